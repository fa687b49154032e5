package serve

import (
	"context"
	"path/filepath"

	"github.com/micahq/mica"
	"github.com/micahq/mica/internal/storage"
	"github.com/micahq/mica/oauth"
)

// openStore opens the store mica serve runs on (package storage picks it from
// Config.Database and Config.DataDir) and the data directory's token signing
// key, whatever the store (servers sharing a database need the same key file).
func (m *Main) openStore(ctx context.Context) (mica.Store, *oauth.Signer, error) {
	b, err := storage.Open(ctx, storage.Config{DataDir: m.Config.DataDir, Database: m.Config.Database})
	if err != nil {
		return nil, nil, err
	}
	key, err := oauth.LoadOrCreateKey(filepath.Join(m.Config.DataDir, "jwt-es256.pem"))
	if err != nil {
		_ = b.Close()
		return nil, nil, err
	}
	signer, err := oauth.NewSigner(key)
	if err != nil {
		_ = b.Close()
		return nil, nil, err
	}
	m.backend, m.store = b, b.Store()
	return m.store, signer, nil
}

// Store is the store the server runs on, once Run has opened it.
func (m *Main) Store() mica.Store { return m.store }
