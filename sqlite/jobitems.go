package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
)

// A classification job's items are the rids of the accounts it collected, in
// storage (rid) order, kept in blocks of jobBlock: item seq (from 1) is rid
// (seq-1)%jobBlock of block (seq-1)/jobBlock, 8 bytes big-endian. A million
// items are 8 MB in a thousand rows, written and deleted at once, where a row
// per item cost seconds.

// jobBlock is how many items a block of classification_job_blocks holds.
const jobBlock = 1024

// collectJobItems writes the rids of the source's accounts as the job's
// items and returns how many there are.
func collectJobItems(ctx context.Context, tx *Tx, jobID, sourceID string) (int64, error) {
	// The (source_id, native_identity) index holds every rid of the source.
	rows, err := tx.QueryContext(ctx, `SELECT rid FROM accounts WHERE source_id = ?`, sourceID)
	if err != nil {
		return 0, fmt.Errorf("collect accounts: %w", err)
	}
	var rids []int64
	for rows.Next() {
		var rid int64
		if err := rows.Scan(&rid); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("collect accounts: %w", err)
		}
		rids = append(rids, rid)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("collect accounts: %w", err)
	}
	slices.Sort(rids)
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO classification_job_blocks (job_id, block, rids) VALUES (?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("collect accounts: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	buf := make([]byte, 0, 8*jobBlock)
	for b := 0; b*jobBlock < len(rids); b++ {
		buf = buf[:0]
		for _, rid := range rids[b*jobBlock : min((b+1)*jobBlock, len(rids))] {
			buf = binary.BigEndian.AppendUint64(buf, uint64(rid))
		}
		if _, err := stmt.ExecContext(ctx, jobID, b, buf); err != nil {
			return 0, fmt.Errorf("collect accounts: %w", err)
		}
	}
	return int64(len(rids)), nil
}

// jobItem is one item of a job: its place and its account's rid (0 for an
// account deleted before a migration carried the job over).
type jobItem struct {
	seq, rid int64
}

// readJobItems returns the job's items (from, to], in order.
func readJobItems(ctx context.Context, q queryer, jobID string, from, to int64) ([]jobItem, error) {
	if to <= from {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT block, rids FROM classification_job_blocks
		WHERE job_id = ? AND block BETWEEN ? AND ? ORDER BY block`, jobID, from/jobBlock, (to-1)/jobBlock)
	if err != nil {
		return nil, fmt.Errorf("read classification batch: %w", err)
	}
	defer func() { _ = rows.Close() }()
	items := make([]jobItem, 0, to-from)
	for rows.Next() {
		var block int64
		var rids []byte
		if err := rows.Scan(&block, &rids); err != nil {
			return nil, fmt.Errorf("read classification batch: %w", err)
		}
		for i := 0; i+8 <= len(rids); i += 8 {
			if seq := block*jobBlock + int64(i/8) + 1; seq > from && seq <= to {
				items = append(items, jobItem{seq: seq, rid: int64(binary.BigEndian.Uint64(rids[i:]))})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read classification batch: %w", err)
	}
	return items, nil
}

// deleteJobItems drops a job's items.
func deleteJobItems(ctx context.Context, tx *Tx, jobID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM classification_job_blocks WHERE job_id = ?`, jobID); err != nil {
		return fmt.Errorf("clear job items: %w", err)
	}
	return nil
}
