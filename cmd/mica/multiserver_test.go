package main

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPostgresThreeServersSurviveKill: three real mica serve processes on one
// PostgreSQL classify a 200,000-account source with pacing; a server working the
// job is killed with SIGKILL mid-job. The survivors finish it (well before
// River's rescuer would free the killed server's jobs) with counts equal to the
// accounts and every account classified as a single server would; every server
// answers GET status throughout, and no answer counts less than an earlier one.
func TestPostgresThreeServersSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dsn := postgresDSN(t)
	bin := buildBinary(t)
	dir := t.TempDir() // one data dir: the servers share its signing key
	flags := []string{"--database", dsn, "--classify-batch", "4000", "--classify-delay", "30ms"}
	type server struct {
		cmd  *exec.Cmd
		c    *client
		dead bool
	}
	var servers []*server
	for i := 0; i < 3; i++ { // one after the other: the first seeds the demo tenant
		port := freePort(t)
		cmd := startProcess(t, bin, dir, port, flags...)
		base := "http://127.0.0.1:" + port
		servers = append(servers, &server{cmd: cmd, c: &client{t: t, base: base}})
	}
	tok := getToken(t, servers[0].c.base, DemoAdminClientID, DemoAdminClientSecret, 200)
	for _, s := range servers {
		s.c.tok = tok // one key: a token of one server is good on every server
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	const total = 200_000
	seeded := time.Now()
	var srcID string
	if err := conn.QueryRow(ctx, `SELECT id FROM sources WHERE name = 'Service Accounts CSV'`).Scan(&srcID); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM accounts WHERE source_id = $1`, srcID); err != nil {
		t.Fatal(err)
	}
	// Every third account is svc_*: the machines of svcCriteria.
	if _, err := conn.Exec(ctx, `INSERT INTO accounts (id, source_id, source_name, native_identity, name, attributes, created, modified)
		SELECT lpad(to_hex(g), 32, '0'), $1, 'Service Accounts CSV', 'CN=' || n || ',OU=Users,DC=corp,DC=example,DC=com', n,
			jsonb_build_object('sAMAccountName', n, 'objectClass', jsonb_build_array('top', 'person', 'user')), now(), now()
		FROM (SELECT g, CASE WHEN g % 3 = 1 THEN 'svc_app' ELSE 'user' END || lpad(g::text, 6, '0') AS n
			FROM generate_series(1, $2::int) g) s`, srcID, total); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE accounts`); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d accounts in %v", total, time.Since(seeded).Round(time.Millisecond))

	if code, b := servers[0].c.do("PUT", "/v2025/sources/"+srcID+"/machine-classification-config", svcCriteria); code != 200 {
		t.Fatalf("PUT config: %d %s", code, b)
	}
	started := time.Now()
	if code, b := servers[1].c.do("POST", "/v2025/sources/"+srcID+"/classify", nil); code != 200 {
		t.Fatalf("POST classify: %d %s", code, b)
	}

	// Reads go round the live servers; each must count at least what any earlier one did.
	var last status
	read := func() status {
		t.Helper()
		for i, s := range servers {
			if s.dead {
				continue
			}
			st := s.c.status(srcID)
			for _, k := range []string{"EXPECTED", "RECEIVED", "COMPLETED"} {
				if st.Counts[k] < last.Counts[k] {
					t.Fatalf("server %d counts %s %d after %d was read", i, k, st.Counts[k], last.Counts[k])
				}
			}
			if last.Status == "COMPLETED" && st.Status != "COMPLETED" {
				t.Fatalf("server %d: %s after COMPLETED", i, st.Status)
			}
			last = st
		}
		return last
	}
	// Kill a server working the job once a fifth of it is classified.
	deadline := time.Now().Add(90 * time.Second)
	for s := read(); s.Counts["COMPLETED"] < total/5; s = read() {
		if s.Status != "STARTED" && s.Status != "COLLECTED" || time.Now().After(deadline) {
			t.Fatalf("before the kill: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	victim, workers := workingServer(t, conn, servers[0].cmd, servers[1].cmd, servers[2].cmd)
	before := read()
	if err := servers[victim].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = servers[victim].cmd.Wait()
	servers[victim].dead = true
	killed := time.Now()
	t.Logf("killed server %d (%d of the job's running workers) at %v: %v", victim, workers, killed.Sub(started).Round(time.Millisecond), before.Counts)

	var progressed time.Duration
	for s := read(); s.Status != "COMPLETED"; s = read() {
		if s.Status != "COLLECTED" && s.Status != "STARTED" {
			t.Fatalf("after the kill: %+v", s)
		}
		if progressed == 0 && s.Counts["COMPLETED"] > before.Counts["COMPLETED"] {
			progressed = time.Since(killed)
		}
		if time.Since(killed) > 60*time.Second {
			t.Fatalf("not completed 60 s after the kill: %+v (at the kill: %+v)", s, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("completed %v after the start, %v after the kill (progress again after %v)",
		time.Since(started).Round(time.Millisecond), time.Since(killed).Round(time.Millisecond), progressed.Round(time.Millisecond))
	if last.Counts["EXPECTED"] != total || last.Counts["RECEIVED"] != total || last.Counts["COMPLETED"] != total {
		t.Fatalf("completed with %v", last.Counts)
	}
	var wrong, machines int
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE is_machine <> (name LIKE 'svc\_%')
		OR (is_machine AND classification_method IS DISTINCT FROM 'CRITERIA')), count(*) FILTER (WHERE name LIKE 'svc\_%')
		FROM accounts_view WHERE source_id = $1`, srcID).Scan(&wrong, &machines); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Fatalf("%d accounts classified otherwise than a single-server run", wrong)
	}
	for i, s := range servers {
		if !s.dead {
			if n := countMachines(t, s.c, srcID); n < machines {
				t.Fatalf("server %d: %d machine accounts, want at least %d", i, n, machines)
			}
		}
	}
}

var pidInClientID = regexp.MustCompile(`_pid(\d+)_`)

// workingServer returns which of the processes runs the most running River
// workers of classification jobs (River's attempted_by names the client, whose
// id carries the pid: jobs.ClientID), and how many.
func workingServer(t *testing.T, conn *pgx.Conn, cmds ...*exec.Cmd) (int, int) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job
		WHERE kind = 'mica_classify_source' AND state = 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[int]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if m := pidInClientID.FindStringSubmatch(id); m != nil {
			pid, _ := strconv.Atoi(m[1])
			counts[pid]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	best, n := 0, -1
	for i, c := range cmds {
		if counts[c.Process.Pid] > n {
			best, n = i, counts[c.Process.Pid]
		}
	}
	if n == 0 {
		t.Fatalf("no server runs a classification worker: %v", counts)
	}
	return best, n
}
