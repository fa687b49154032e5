package serve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/micahq/mica"
)

// restoredMessage ends the aggregations a restored tenant held unfinished.
const restoredMessage = "a snapshot was restored while this aggregation ran; nothing of it was applied, upload the file again"

// tenantSnapshots are the server's snapshots (api.Snapshots): the store's,
// with the background work stopped around a restore. A restore cancels the
// running classification jobs and aggregations (their batches roll back),
// replaces the tenant, ends the aggregations the restored tenant held
// unfinished (their files are gone), and starts the runners again, which
// resume the restored tenant's unfinished classification jobs.
type tenantSnapshots struct {
	m  *Main
	mu sync.Mutex // one restore at a time
}

func (t *tenantSnapshots) Save(ctx context.Context, name string) (*mica.Snapshot, error) {
	return t.m.store.SaveSnapshot(ctx, name)
}

func (t *tenantSnapshots) List(ctx context.Context) ([]*mica.Snapshot, error) {
	return t.m.store.ListSnapshots(ctx)
}

func (t *tenantSnapshots) Delete(ctx context.Context, name string) error {
	return t.m.store.DeleteSnapshot(ctx, name)
}

func (t *tenantSnapshots) Restore(ctx context.Context, name string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.m
	list, err := m.store.ListSnapshots(ctx)
	if err != nil {
		return err
	}
	found := false
	for _, s := range list {
		found = found || s.Name == name
	}
	if !found {
		return mica.Errorf(mica.ENOTFOUND, "snapshot %q not found", name)
	}
	// The runners live as long as the server, not the request that restores.
	bg := context.WithoutCancel(ctx)
	m.Aggs.Stop()
	errs := []error{m.Jobs.Cancel(bg)}
	restoreErr := m.store.RestoreSnapshot(bg, name)
	if restoreErr == nil {
		errs = append(errs, m.Jobs.Migrate(bg)) // a tenant saved before River's tables gets them
		files, err := m.store.TerminateUnfinishedAggregations(bg, restoredMessage)
		for _, f := range files {
			_ = os.Remove(f)
		}
		errs = append(errs, err)
	}
	errs = append(errs, m.Jobs.Start(m.runCtx), m.Aggs.Start(bg))
	if restoreErr != nil {
		return restoreErr
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("restore snapshot %s: restart background work: %w", name, err)
	}
	m.Logger.Info("snapshot restored", "name", name)
	return nil
}
