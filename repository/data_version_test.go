package repository_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cxbacklog/domain/demo"
)

// notDrawn are the tables without data version triggers: what no chart
// draws, or what changes only together with a table that bumps the version
// (migrations/00019 says why for each). A new table must either bump the
// version or be added here.
var notDrawn = []string{
	"goose_db_version", "workspaces", "workspace_data_versions", "workspace_data_changes",
	"api_keys", "web_sessions", "idempotency_keys", "events", "event_sequences", "webhooks", "webhook_deliveries",
	"idea_history", "pilot_observations", "search_settings",
	"idea_quadrant_counts", "idea_value_counts", "idea_value_touchpoint_counts", "idea_value_touchpoint_open",
	"touchpoint_report_counts", "touchpoint_latest_measurements",
}

// A table a chart may draw from that does not bump the version would let a
// cached chart outlive the data it shows.
func TestDataVersionTriggersOnEveryTable(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	rows, err := store.SQL().QueryContext(context.Background(), `
		SELECT c.relname, count(t.oid) FILTER (WHERE t.tgname = c.relname || '_data_version_insert' AND t.tgtype = 4 AND t.tgnewtable IS NOT NULL),
		       count(t.oid) FILTER (WHERE t.tgname = c.relname || '_data_version_update' AND t.tgtype = 16 AND t.tgnewtable IS NOT NULL AND t.tgoldtable IS NOT NULL),
		       count(t.oid) FILTER (WHERE t.tgname = c.relname || '_data_version_delete' AND t.tgtype = 8 AND t.tgoldtable IS NOT NULL)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgfoid = 'bump_data_version'::regproc
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') GROUP BY c.relname ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		var ins, upd, del int
		if err := rows.Scan(&table, &ins, &upd, &del); err != nil {
			t.Fatal(err)
		}
		want := 1
		if slices.Contains(notDrawn, table) {
			want = 0
		}
		if ins != want || upd != want || del != want {
			t.Errorf("table %s: data version triggers on insert, update, delete = %d, %d, %d; want %d each", table, ins, upd, del, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// Every insert, update and delete of a table with a data version trigger
// bumps its workspace's version and no other workspace's: the demo data
// fills every such table, each is updated in place, deleted (children
// first) and inserted back.
func TestDataVersionBumpsOnEveryWrite(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	ws, other := newWorkspace(t, store, "acme"), newWorkspace(t, store, "other")
	for _, w := range []string{ws, other} {
		if err := demo.Load(ctx, store, w, "test", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := store.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := conn.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		n, _ := res.RowsAffected()
		return n
	}
	// The two tables the demo leaves empty.
	exec(`INSERT INTO workspace_economics (workspace_id, currency, updated_at, version) VALUES ($1, 'EUR', now(), 1)`, ws)
	exec(`INSERT INTO pilot_change_scores (metric_id, grp, n, mean, sd)
		SELECT id, 'pilot', 10, 1, 1 FROM pilot_metrics WHERE workspace_id = $1`, ws)

	tables := drawnTables(t, conn)
	versions := func() (int64, int64) {
		t.Helper()
		a, err := store.DataVersion(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		b, err := store.DataVersion(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
	bumps := func(what string, q string) {
		t.Helper()
		a, b := versions()
		if n := exec(q, ws); n == 0 {
			t.Fatalf("%s: no rows (%s)", what, q)
		}
		if a2, b2 := versions(); a2 <= a || b2 != b {
			t.Errorf("%s: versions of the workspace %d → %d (want it bumped), of the other %d → %d (want it kept)", what, a, a2, b, b2)
		}
	}

	for _, tb := range tables {
		bumps("update "+tb.name, fmt.Sprintf(`UPDATE %[1]s SET %[2]s = %[2]s WHERE %[3]s`, tb.name, tb.column, tb.filter))
		exec(fmt.Sprintf(`CREATE TEMP TABLE keep_%[1]s AS SELECT %[2]s FROM %[1]s WHERE %[3]s`, tb.name, tb.columns, tb.filter), ws)
	}
	// Delete children first, so that each delete finds its own rows.
	var deleted []table
	for len(deleted) < len(tables) {
		progress := false
		for _, tb := range tables {
			if slices.ContainsFunc(deleted, func(d table) bool { return d.name == tb.name }) ||
				slices.ContainsFunc(tables, func(o table) bool {
					return o.name != tb.name && slices.Contains(o.references, tb.name) && !slices.ContainsFunc(deleted, func(d table) bool { return d.name == o.name })
				}) {
				continue
			}
			bumps("delete "+tb.name, fmt.Sprintf(`DELETE FROM %s WHERE %s`, tb.name, tb.filter))
			deleted, progress = append(deleted, tb), true
		}
		if !progress {
			t.Fatalf("tables referencing each other: deleted %d of %d", len(deleted), len(tables))
		}
	}
	for n := len(deleted) - 1; n >= 0; n-- {
		tb := deleted[n]
		bumps("insert "+tb.name, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %[2]s FROM keep_%[1]s WHERE $1::uuid IS NOT NULL`, tb.name, tb.columns))
	}
}

// A statement bumps the version once however many rows it writes.
func TestDataVersionBumpsOncePerStatement(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := context.Background()
	ws := newWorkspace(t, store, "acme")
	if err := demo.Load(ctx, store, ws, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO contact_volumes (id, workspace_id, reason_id, period_start, period_end, channel, contacts, resolved_first_contact, created_at, updated_at, version)
		 SELECT gen_random_uuid(), r.workspace_id, r.id, DATE '1990-01-01' + d, DATE '1990-01-01' + d, 'phone', 10, 5, now(), now(), 1
		 FROM (SELECT * FROM contact_reasons WHERE workspace_id = $1 LIMIT 1) r, generate_series(0, 9999) d`,
		`UPDATE contact_volumes SET contacts = contacts + 1 WHERE workspace_id = $1`,
		`DELETE FROM contact_volumes WHERE workspace_id = $1`,
	} {
		before, err := store.DataVersion(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		res, err := store.SQL().ExecContext(ctx, q, ws)
		if err != nil {
			t.Fatal(err)
		}
		after, err := store.DataVersion(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n < 10000 || after != before+1 {
			t.Errorf("%.40s…: %d rows moved the version %d → %d, want one step", q, n, before, after)
		}
	}
	if v, err := store.DataVersion(ctx, "00000000-0000-0000-0000-000000000000"); err != nil || v != 0 {
		t.Errorf("an unknown workspace's version: %d, %v; want 0", v, err)
	}
}

// table is one table with data version triggers: how its rows name their
// workspace, its insertable columns and the tables it references.
type table struct {
	name, column, filter, columns string
	references                    []string
}

func drawnTables(t *testing.T, conn *sql.Conn) []table {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), `
		SELECT c.relname, substring(pg_get_triggerdef(t.oid) FROM 'bump_data_version\(''(\w+)''\)'),
		       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
		        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''),
		       (SELECT string_agg(DISTINCT f.confrelid::regclass::text, ' ') FROM pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f')
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE t.tgfoid = 'bump_data_version'::regproc AND t.tgname LIKE '%\_insert' ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []table
	for rows.Next() {
		var tb table
		var kind string
		var refs sql.NullString
		if err := rows.Scan(&tb.name, &kind, &tb.columns, &refs); err != nil {
			t.Fatal(err)
		}
		tb.references = strings.Fields(refs.String)
		switch kind {
		case "workspace":
			tb.column, tb.filter = "workspace_id", "workspace_id = $1"
		case "journey":
			tb.column, tb.filter = "journey_id", "journey_id IN (SELECT id FROM journeys WHERE workspace_id = $1)"
		case "pilot_metric":
			tb.column, tb.filter = "metric_id", "metric_id IN (SELECT id FROM pilot_metrics WHERE workspace_id = $1)"
		default:
			t.Fatalf("table %s: unknown trigger argument %q", tb.name, kind)
		}
		out = append(out, tb)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("%d tables with data version triggers", len(out))
	}
	return out
}

// Two transactions of one workspace that write each other's rows in turn
// wait for each other as they would without the data version: the version
// row is taken only at commit, so it closes no cycle of locks (a bump at the
// first write would: 40P01, deadlock detected). Each bumps the version once,
// however many statements it runs.
func TestDataVersionWritersDoNotDeadlock(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := newWorkspace(t, store, "acme")
	j1, j2 := createJourney(t, store, ws, "One", "S").ID, createJourney(t, store, ws, "Two", "S").ID
	before, err := store.DataVersion(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	begin := func() *sql.Tx {
		t.Helper()
		tx, err := store.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	const touch = `UPDATE journeys SET name = name WHERE id = $1`
	tx1, tx2 := begin(), begin()
	if _, err := tx1.ExecContext(ctx, touch, j1); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() { _, err := tx2.ExecContext(ctx, touch, j2); second <- err }()
	select {
	case err := <-second:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a write to another row of the workspace waits for the first transaction")
	}
	first := make(chan error, 1)
	go func() { _, err := tx1.ExecContext(ctx, touch, j2); first <- err }() // waits for tx2's row
	if _, err := tx2.ExecContext(ctx, `UPDATE journeys SET description = description WHERE id = $1`, j2); err != nil {
		t.Fatal(err)
	}
	if err := tx2.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first transaction's write of the second's row: %v", err)
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if after, err := store.DataVersion(ctx, ws); err != nil || after != before+2 {
		t.Fatalf("two transactions moved the version %d → %d (%v), want two steps", before, after, err)
	}
}
