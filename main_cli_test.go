package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cxbacklog/repository/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// cli runs the command line against a fresh database and data directory.
type cli struct {
	t       *testing.T
	dataDir string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	_, url := pgtest.NewStore(t)
	c := &cli{t: t, dataDir: t.TempDir()}
	t.Setenv("DATABASE_URL", url)
	t.Setenv("CXB_DATA_DIR", c.dataDir)
	t.Setenv("LOG_LEVEL", "error")
	return c
}

func (c *cli) run(args ...string) (string, error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	err := run(args, &out, &errOut)
	return out.String(), err
}

// A first start that cannot listen must not create the workspace and print
// its one-time key, or the next start has nothing to print.
func TestServeBindsThePortBeforeCreatingAnything(t *testing.T) {
	c := newCLI(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	t.Setenv("HTTP_ADDR", busy.Addr().String())
	out, err := c.run("serve")
	if err == nil || !strings.Contains(err.Error(), "HTTP_ADDR") || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("serve on a busy port: %v; want an error saying the port is in use and to set HTTP_ADDR", err)
	}
	if strings.Contains(out, "CXB_KEY") {
		t.Fatalf("serve printed a key although it could not listen:\n%s", out)
	}
	if out, err := c.run("keys", "create", "--workspace", "default", "--role", "viewer"); err == nil {
		t.Fatalf("workspace default exists after a failed start: %s", out)
	}
}

func TestKeysCreateNeedsCreateWorkspaceForANewOne(t *testing.T) {
	c := newCLI(t)
	if _, err := c.run("keys", "create", "--workspace", "acme", "--role", "admin", "--create-workspace"); err != nil {
		t.Fatal(err)
	}
	_, err := c.run("keys", "create", "--workspace", "acmee", "--role", "viewer")
	if err == nil || !strings.Contains(err.Error(), "--create-workspace") || !strings.Contains(err.Error(), "acme") {
		t.Fatalf("a typo in the workspace: %v; want a refusal naming the workspaces and --create-workspace", err)
	}
	out, err := c.run("keys", "create", "--workspace", "acme", "--role", "viewer")
	if err != nil || !strings.HasPrefix(out, "cxb_") {
		t.Fatalf("a key in an existing workspace: %q, %v", out, err)
	}
}

func TestDemoPrintsAKeyOnceAndTheServersAddress(t *testing.T) {
	c := newCLI(t)
	first, err := c.run("demo")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, "export CXB_KEY=cxb_") || !strings.Contains(first, "No server is running") {
		t.Fatalf("first demo run:\n%s", first)
	}
	// A server on another port records its address; the links follow it.
	const base = "http://127.0.0.1:18081"
	if err := os.WriteFile(filepath.Join(c.dataDir, "server-address"), []byte(base+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := c.run("demo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(again, "export CXB_KEY=cxb_") || !strings.Contains(again, "--new-key") {
		t.Fatalf("a second demo run minted a key, or did not say how to get one:\n%s", again)
	}
	if !strings.Contains(again, "'"+base+"/api/v1/") || strings.Contains(again, "No server is running") {
		t.Fatalf("the links do not use the running server's address %s:\n%s", base, again)
	}
	asked, err := c.run("demo", "--new-key")
	if err != nil || !strings.Contains(asked, "export CXB_KEY=cxb_") {
		t.Fatalf("demo --new-key: %v\n%s", err, asked)
	}
}

// The embedded default on data of a PostgreSQL major version that is not
// installed stops with one line saying so (main prints it and exits 1).
func TestServeOnDataOfAnUninstalledVersion(t *testing.T) {
	c := newCLI(t)
	t.Setenv("DATABASE_URL", "")
	t.Setenv("PG_BIN", "")
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	dir := filepath.Join(c.dataDir, "postgres")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := c.run("serve")
	if err == nil || !strings.Contains(err.Error(), "created by PostgreSQL 7") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("serve on PostgreSQL 7's data: %v (output %q); want one line naming the version", err, out)
	}
	if strings.Contains(out, "CXB_KEY") {
		t.Fatalf("serve printed a key although it could not start:\n%s", out)
	}
}
