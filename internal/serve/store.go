package serve

import (
	"context"
	"path/filepath"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/jobs"
	"github.com/micahq/mica/oauth"
	"github.com/micahq/mica/postgres"
)

// OpenStore opens the store mica serve runs on: PostgreSQL when Config.Database
// is set, else SQLite in the data directory. The token signing key is the data
// directory's either way (servers sharing a database need the same key file).
func (m *Main) OpenStore(ctx context.Context) (mica.Store, *oauth.Signer, error) {
	if m.Config.Database == "" {
		db, signer, err := OpenSQLite(ctx, m.Config.DataDir)
		if err != nil {
			return nil, nil, err
		}
		m.DB, m.store = db, db
		return db, signer, nil
	}
	if err := EnsureDataDir(m.Config.DataDir); err != nil {
		return nil, nil, err
	}
	db, err := postgres.Open(ctx, m.Config.Database)
	if err != nil {
		return nil, nil, err
	}
	// Continuous classification, as on SQLite (OpenSQLite).
	db.SetClassifier(func(cfg *mica.MachineClassificationConfig, people []*mica.AccountClassification) mica.Decider {
		p, err := classify.Compile(cfg)
		if err != nil {
			p = nil
		}
		return classify.Decider(classify.ModeDefault, p, people)
	})
	key, err := oauth.LoadOrCreateKey(filepath.Join(m.Config.DataDir, "jwt-es256.pem"))
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	signer, err := oauth.NewSigner(key)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	m.PG, m.store = db, db
	return db, signer, nil
}

// newJobs builds the classification job runner on the open store's database:
// River's SQLite driver on the write pool, or its pgx driver on PostgreSQL.
// River's migrations take no lock of their own: on PostgreSQL they run under
// an advisory lock, so that servers starting together on an empty database
// do not race to create River's tables.
func (m *Main) newJobs(ctx context.Context) error {
	var err error
	if m.PG != nil {
		if err := m.PG.WithLock(ctx, "river migrations", func(ctx context.Context) (err error) {
			m.Jobs, err = jobs.NewPostgres(ctx, m.PG.Pool(), m.PG, m.Config.Pacing, m.Logger)
			return err
		}); err != nil {
			return err
		}
		m.PG.SetJobHook(m.Jobs.EnqueuePgx)
		m.PG.SetTaskHook(m.Jobs.EnqueueTaskPgx)
		return nil
	}
	if m.Jobs, err = jobs.New(ctx, m.DB.WritePool(), m.DB, m.Config.Pacing, m.Logger); err != nil {
		return err
	}
	m.DB.SetJobHook(m.Jobs.Enqueue)
	m.DB.SetTaskHook(m.Jobs.EnqueueTask)
	return nil
}
