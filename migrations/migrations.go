// Package migrations holds the versioned SQL schema, applied by goose.
package migrations

import "embed"

// FS holds every migration file, so the binary carries its own schema.
//
//go:embed *.sql
var FS embed.FS
