package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"sync"

	"github.com/micahq/mica"
)

// readJobBatch reads the accounts of job items (from, to], in seq order. q
// must read one state of the database (a transaction).
//
// Items are in storage order, so the accounts of a batch are usually one run
// of neighbouring rows: they are read by a scan of that rid range, matched to
// the items by rid, rather than looked up one by one. A range much larger than
// the batch (the source interleaved with others) is read by rid lookups.
// Accounts deleted since the job started are left out, and so is an account
// of another source that took a deleted account's rid.
func readJobBatch(ctx context.Context, q queryer, jobID string, from, to int64) ([]classRow, error) {
	rows, _, err := readDecideJobBatch(ctx, q, jobID, from, to, nil, 0)
	return rows, err
}

// readDecideJobBatch is readJobBatch that, when decide is not nil, also
// decides each row as it is read, on workers goroutines beside the reading
// one (reading is a goroutine's work; decoding and deciding need as much again).
func readDecideJobBatch(ctx context.Context, q queryer, jobID string, from, to int64, decide mica.Decider,
	workers int) ([]classRow, []decision, error) {
	items, err := readJobItems(ctx, q, jobID, from, to)
	if err != nil || len(items) == 0 {
		return nil, nil, err
	}
	index := make(map[int64]int, len(items))
	first, last := int64(-1), int64(-1)
	for i, it := range items {
		if it.rid == 0 {
			continue // deleted before the job was carried over
		}
		index[it.rid] = i
		if first < 0 || it.rid < first {
			first = it.rid
		}
		last = max(last, it.rid)
	}
	found, have := make([]classRow, len(items)), make([]bool, len(items))
	var ds []decision
	var work chan int
	var wg sync.WaitGroup
	if decide != nil {
		// A row is the reader's until it is sent, then its worker's.
		ds, work = make([]decision, len(items)), make(chan int, 512)
		for range max(1, workers) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var dec attrDecoder
				for i := range work {
					ds[i] = decideRow(&dec, &found[i], decide)
				}
			}()
		}
	}
	take := func(r classRow) {
		if i, ok := index[r.rowid]; ok && !have[i] {
			r.seq = items[i].seq
			found[i], have[i] = r, true
			if work != nil {
				work <- i
			}
		}
	}
	err = scanJobRows(ctx, q, jobID, items, len(index), first, last, take)
	if work != nil {
		close(work)
		wg.Wait()
	}
	if err != nil {
		return nil, nil, err
	}
	batch := found[:0]
	var batchDs []decision
	if ds != nil {
		batchDs = ds[:0]
	}
	for i, r := range found {
		if have[i] { // the rest were deleted
			batch = append(batch, r)
			if ds != nil {
				batchDs = append(batchDs, ds[i])
			}
		}
	}
	return batch, batchDs, nil
}

// scanJobRows passes take the accounts of a batch's items, whose rids are n
// (not 0) from first to last: by a scan of that range, or by rid lookups when
// the range is much larger than the batch.
func scanJobRows(ctx context.Context, q queryer, jobID string, items []jobItem, n int, first, last int64,
	take func(classRow)) error {
	switch {
	case first < 0:
		return nil
	case last-first < 2*int64(len(items))+64:
		return scanClassRows(ctx, q, take, jobRangeSQL, first, last, jobID)
	}
	rids := make([]any, 0, n)
	for _, it := range items {
		if it.rid != 0 {
			rids = append(rids, it.rid)
		}
	}
	for start := 0; start < len(rids); start += 500 {
		chunk := rids[start:min(start+500, len(rids))]
		if err := scanClassRows(ctx, q, take, `SELECT a.rid, `+classificationColumns+`
			FROM accounts_view a WHERE a.rid IN (`+placeholders(len(chunk))+`) AND `+jobSourceSQL,
			append(chunk, jobID)...); err != nil {
			return err
		}
	}
	return nil
}

// jobSourceSQL keeps a job's read to its source's accounts (its argument is
// the job's id): the rid of an account deleted while the job runs may be
// given again to a new account, of another source too. ("+" keeps SQLite on
// the rids: through the (source_id, ...) index it would read the whole source
// for every batch.)
const jobSourceSQL = `+a.source_id = (SELECT j.source_id FROM classification_jobs j WHERE j.id = ?)`

// jobRangeSQL reads a job's accounts whose rids are in a range (the range's
// ends, the job's id).
const jobRangeSQL = `SELECT a.rid, ` + classificationColumns + `
	FROM accounts_view a WHERE a.rid BETWEEN ? AND ? AND ` + jobSourceSQL

// scanClassRows runs query and passes each classRow it reads to fn.
func scanClassRows(ctx context.Context, q queryer, fn func(classRow), query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read classification batch: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		r, err := scanClassRow(rows)
		if err != nil {
			return fmt.Errorf("scan classification batch: %w", err)
		}
		fn(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read classification batch: %w", err)
	}
	return nil
}

// readAhead is a job's next batch, read and decided on the read pool while
// the write connection writes the batch before it.
type readAhead struct {
	from, to int64 // job items (from, to]
	done     chan struct{}
	rows     []classRow
	ds       []decision
	err      error
}

// classifyBatch is ProcessClassificationBatch in tx. ahead, when not nil, is
// the batch already read and decided from a state of the database that tx
// still sees for those accounts; launch, when not nil, starts reading the
// next batch ahead (it is called with the write lock held, so that what it
// reads is at least as recent as what tx started from).
func classifyBatch(ctx context.Context, tx *Tx, jobID string, n int, decide mica.Decider,
	ahead *readAhead, launch func(from, to int64)) (*mica.ClassificationJob, error) {
	j, err := getJob(ctx, tx, "id = ?", jobID)
	if err != nil {
		return nil, err
	}
	if !j.Running() || j.Completed >= j.Received {
		return j, nil
	}
	limit := min(int64(n), j.Received-j.Completed)
	from, to := j.Completed, j.Completed+limit
	var rows []classRow
	var ds []decision
	if ahead != nil && ahead.err == nil && ahead.from == from {
		k := len(ahead.rows)
		for k > 0 && ahead.rows[k-1].seq > to { // the batch size went down
			k--
		}
		rows, ds, from = ahead.rows[:k], ahead.ds[:k], min(ahead.to, to)
	}
	if from < to { // nothing read ahead, or not all of it
		more, err := readJobBatch(ctx, tx, j.ID, from, to)
		if err != nil {
			return nil, err
		}
		rows, ds = append(rows, more...), append(ds, decideRows(more, decide)...)
	}
	if launch != nil && to < j.Expected {
		launch(to, min(to+int64(n), j.Expected))
	}
	if err := applyBatchDecisions(ctx, tx, rows, ds); err != nil {
		return nil, err
	}
	j.Completed = to
	if j.Completed == j.Expected {
		j.Status = mica.JobCompleted
	}
	j.Updated = &tx.now
	machines, changed := int64(0), int64(0)
	for i, d := range ds {
		m, c := mica.Outcome(rows[i].acct.IsMachine, d.isMachine, d.changed)
		machines, changed = machines+m, changed+c
	}
	j.Machines, j.Changed = j.Machines+machines, j.Changed+changed
	if _, err := tx.ExecContext(ctx, `UPDATE classification_jobs SET completed = ?, status = ?, updated = ?,
		machines = machines + ?, changed = changed + ? WHERE id = ?`,
		j.Completed, j.Status, formatTime(tx.now), machines, changed, j.ID); err != nil {
		return nil, fmt.Errorf("record classification batch: %w", err)
	}
	if j.Status == mica.JobCompleted {
		if err := deleteJobItems(ctx, tx, j.ID); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// applyBatchDecisions is applyDecisions with one statement per distinct
// decision, its values written into the SQL and the rids of its accounts
// passed as one JSON array: a batch has few distinct decisions.
func applyBatchDecisions(ctx context.Context, tx *Tx, rows []classRow, ds []decision) error {
	type key struct {
		isMachine                  bool
		method, recType, recMethod string
	}
	ctx = context.WithoutCancel(ctx) // as in applyDecisions
	now := formatTime(tx.now)
	groups := map[key][]byte{}
	var order []key
	var generic *sql.Stmt
	defer func() {
		if generic != nil {
			_ = generic.Close()
		}
	}()
	for i, d := range ds {
		if !d.changed {
			continue
		}
		k := key{isMachine: d.isMachine, method: d.method}
		if d.rec != nil {
			k.recType, k.recMethod = d.rec.Type, d.rec.Method
		}
		inline := sqlWord(k.method) && sqlWord(k.recType) && sqlWord(k.recMethod) &&
			(d.rec == nil || k.recType != "" && k.recMethod != "") // an empty one is stored as '', not NULL
		if !inline {
			if generic == nil {
				var err error
				if generic, err = tx.PrepareContext(ctx, updateClassificationByRowidSQL); err != nil {
					return fmt.Errorf("prepare classify: %w", err)
				}
			}
			if err := execClassification(ctx, generic, now, rows[i].rowid, d.isMachine, d.method, d.rec); err != nil {
				return err
			}
			continue
		}
		rids, ok := groups[k]
		if !ok {
			order = append(order, k)
			rids = append(rids, '[')
		} else {
			rids = append(rids, ',')
		}
		groups[k] = strconv.AppendInt(rids, rows[i].rowid, 10)
	}
	for _, k := range order {
		at := "NULL"
		if k.method != "" {
			at = "'" + now + "'"
		}
		q := fmt.Sprintf(`INSERT INTO account_classifications (`+classificationColumnsSQL+`)
			SELECT value, %d, %s, %s, %s, %s, '%s' FROM json_each(?) WHERE true`+onConflictSQL,
			boolInt(k.isMachine), wordOrNull(k.method), at, wordOrNull(k.recType), wordOrNull(k.recMethod), now)
		if _, err := tx.ExecContext(ctx, q, string(append(groups[k], ']'))); err != nil {
			return fmt.Errorf("classify accounts: %w", err)
		}
	}
	return nil
}

// sqlWord reports whether s may be written into SQL as a literal as it is:
// letters, digits and underscores, like every method and recommendation type.
func sqlWord(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
		default:
			return false
		}
	}
	return true
}

// wordOrNull is the SQL literal of a sqlWord: NULL when it is empty.
func wordOrNull(s string) string {
	if s == "" {
		return "NULL"
	}
	return "'" + s + "'"
}

// ClassificationBatches works a job as ProcessClassificationBatch does, batch
// by batch through next, but reads and decides each batch's successor on the
// read pool while the batch is written, so that the single write connection
// does not wait for JSON decoding and discovery. stop ends the reading ahead;
// next must not be called after it, nor concurrently.
//
// A batch read ahead is used only when nothing but the batch before it was
// written to the database between its read and its write transaction (the
// write connection's total_changes() and data_version are as that batch left
// them); otherwise it is read and decided again in the write transaction.
// Decisions are therefore always made on the accounts as they are written.
func (db *DB) ClassificationBatches(ctx context.Context, jobID string, decide mica.Decider) (
	next func(ctx context.Context, n int) (*mica.ClassificationJob, error), stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	p := &pipeline{db: db, ctx: ctx, jobID: jobID, decide: decide}
	return p.next, func() {
		cancel()
		if p.ahead != nil {
			<-p.ahead.done
			p.ahead = nil
		}
	}
}

// pipeline is the state of ClassificationBatches.
type pipeline struct {
	db     *DB
	ctx    context.Context // the reading ahead's
	jobID  string
	decide mica.Decider
	ahead  *readAhead // the next batch, read since mark
	mark   writeMark  // the write connection as the last batch left it
	marked bool
}

// writeMark identifies the state of the database a write transaction left:
// the connection, how many rows it ever changed, and SQLite's data_version,
// which changes when another connection (another process) commits.
type writeMark struct {
	conn    any // the driver's connection: its counters are its own
	changes int64
	version int64
}

func readMark(ctx context.Context, tx *Tx, conn any) (writeMark, error) {
	m := writeMark{conn: conn}
	err := tx.QueryRowContext(ctx, `SELECT total_changes(), data_version FROM pragma_data_version`).Scan(&m.changes, &m.version)
	if err != nil {
		return m, fmt.Errorf("read write mark: %w", err)
	}
	return m, nil
}

func (p *pipeline) next(ctx context.Context, n int) (*mica.ClassificationJob, error) {
	ahead, marked := p.ahead, p.marked
	p.ahead, p.marked = nil, false
	if ahead != nil {
		<-ahead.done // before taking the write lock
	}
	conn, err := p.db.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = conn.Close() }()
	var driverConn any
	if err := conn.Raw(func(c any) error { driverConn = c; return nil }); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	var job *mica.ClassificationJob
	var mark writeMark
	err = p.db.updateOn(ctx, conn, func(tx *Tx) error {
		if ahead != nil {
			m, err := readMark(ctx, tx, driverConn)
			if err != nil {
				return err
			}
			if !marked || m != p.mark {
				ahead = nil // something else was written since it was read
			}
		}
		var err error
		if job, err = classifyBatch(ctx, tx, p.jobID, n, p.decide, ahead, p.launch); err != nil {
			return err
		}
		mark, err = readMark(ctx, tx, driverConn)
		return err
	})
	if err != nil {
		return nil, err
	}
	p.mark, p.marked = mark, true
	return job, nil
}

// launch reads and decides job items (from, to] on the read pool.
func (p *pipeline) launch(from, to int64) {
	a := &readAhead{from: from, to: to, done: make(chan struct{})}
	p.ahead = a
	go func() {
		defer close(a.done)
		tx, err := p.db.read.BeginTx(p.ctx, nil) // one snapshot for the batch's queries
		if err != nil {
			a.err = err
			return
		}
		// Deciding beside the reading, on as many goroutines as CPUs: deciding
		// costs more than reading, and the workers take whatever the reader and
		// the write connection leave.
		rows, ds, err := readDecideJobBatch(p.ctx, tx, p.jobID, from, to, p.decide, runtime.GOMAXPROCS(0))
		_ = tx.Rollback()
		if err != nil {
			a.err = err
			return
		}
		a.rows, a.ds = rows, ds
	}()
}

// updateOn is update on a connection taken from the write pool.
func (db *DB) updateOn(ctx context.Context, conn *sql.Conn, fn func(tx *Tx) error) error {
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }()
	if err := fn(&Tx{Tx: sqlTx, now: db.Now().UTC().Truncate(mica.TimePrecision)}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
