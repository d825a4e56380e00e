package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cxbacklog/repository/pgcluster"
)

// upgradeEnv sets up the embedded default (DATABASE_URL unset) on a fresh
// data directory, returned.
func upgradeEnv(t *testing.T) string {
	t.Helper()
	if _, err := pgcluster.FindPostgresBinaries(); err != nil {
		t.Skip(err)
	}
	dataDir := t.TempDir()
	if os.Geteuid() == 0 { // the server runs as postgres, which must reach the data
		for _, d := range []string{filepath.Dir(dataDir), dataDir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("PG_BIN", "")
	t.Setenv("PG_BIN_NEW", "")
	t.Setenv("CXB_DATA_DIR", dataDir)
	t.Setenv("LOG_LEVEL", "error")
	return dataDir
}

// With only the data's own version installed, upgrade says so and exits 0.
func TestUpgradeAlreadyOnTheInstalledVersion(t *testing.T) {
	dataDir := upgradeEnv(t)
	var out, errOut bytes.Buffer
	if err := run([]string{"migrate", "up"}, &out, &errOut); err != nil { // creates the cluster
		t.Fatalf("migrate up: %v\n%s", err, errOut.String())
	}
	version, err := os.ReadFile(filepath.Join(dataDir, "postgres", "PG_VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(version))
	out.Reset()
	if err := run([]string{"upgrade"}, &out, &errOut); err != nil {
		t.Fatalf("upgrade on PostgreSQL %s's data with only %s installed: %v", v, v, err)
	}
	for _, want := range []string{"already on PostgreSQL " + v, "nothing to do", "installed: " + v, "apt-get install -y postgresql-"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if kept, _ := filepath.Glob(filepath.Join(dataDir, "postgres*")); len(kept) != 3 { // postgres, .lock, .log
		t.Errorf("upgrade changed the data directory: %v", kept)
	}
}

func TestUpgradeRefusesAManagedDatabase(t *testing.T) {
	upgradeEnv(t)
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
	var out, errOut bytes.Buffer
	err := run([]string{"upgrade"}, &out, &errOut)
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("upgrade with DATABASE_URL: %v; want a one-line refusal", err)
	}
	for _, want := range []string{"DATABASE_URL is set", "upgraded by its operator", "cxbacklog backup and cxbacklog restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// Data of a version that is not installed, older or newer than the one that
// is: serve and upgrade exit 1 with one line naming the versions and the fix.
func TestUninstalledDataVersionExitsWithStatus1(t *testing.T) {
	if cmd := os.Getenv("CXB_MAIN_CMD"); cmd != "" { // the child: the real main
		os.Args = []string{"cxbacklog", cmd}
		main()
		os.Exit(0)
	}
	for _, tc := range []struct {
		cmd, data string
		want      []string
	}{
		{"upgrade", "7", []string{"created by PostgreSQL 7", "needs both versions", "apt-get install -y postgresql-7"}},
		{"upgrade", "99", []string{"created by PostgreSQL 99", "newer than the newest installed", "apt-get install -y postgresql-99"}},
		{"serve", "7", []string{"created by PostgreSQL 7", "apt-get install -y postgresql-7", "PG_BIN"}},
	} {
		t.Run(tc.cmd+" "+tc.data, func(t *testing.T) {
			dataDir := upgradeEnv(t)
			dir := filepath.Join(dataDir, "postgres")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte(tc.data+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a serve that starts would not end
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestUninstalledDataVersionExitsWithStatus1$")
			cmd.Env = append(os.Environ(), "CXB_MAIN_CMD="+tc.cmd, "HTTP_ADDR=127.0.0.1:0")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v; want status 1\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
			}
			line := strings.TrimSuffix(stderr.String(), "\n")
			if !strings.HasPrefix(line, "cxbacklog: ") || strings.Contains(line, "\n") {
				t.Fatalf("stderr is not one line of cxbacklog's: %q", stderr.String())
			}
			for _, want := range append(tc.want, "installed: ") {
				if !strings.Contains(line, want) {
					t.Errorf("%q lacks %q", line, want)
				}
			}
		})
	}
}
