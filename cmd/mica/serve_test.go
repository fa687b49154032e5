package main

import (
	"github.com/micahq/mica/internal/serve"
	"github.com/micahq/mica/internal/storage"
)

// The server program is package serve (so that micatest runs it in process);
// these names keep the end-to-end tests of the mica command short.
type (
	Main   = serve.Main
	Config = serve.Config
)

var (
	NewMain       = serve.NewMain
	DemoConfig    = serve.DemoConfig
	ensureDataDir = storage.EnsureDataDir
)

const (
	DemoAdminClientID     = serve.DemoAdminClientID
	DemoAdminClientSecret = serve.DemoAdminClientSecret
	DemoUserClientID      = serve.DemoUserClientID
	DemoUserClientSecret  = serve.DemoUserClientSecret
	DemoAdminIdentityID   = serve.DemoAdminIdentityID
)
