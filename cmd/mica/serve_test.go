package main

import "github.com/micahq/mica/internal/serve"

// The server program is package serve (so that micatest runs it in process);
// these names keep the end-to-end tests of the mica command short.
type (
	Main   = serve.Main
	Config = serve.Config
)

var (
	NewMain       = serve.NewMain
	OpenSQLite    = serve.OpenSQLite
	DemoConfig    = serve.DemoConfig
	ensureDataDir = serve.EnsureDataDir
)

const (
	DemoAdminClientID     = serve.DemoAdminClientID
	DemoAdminClientSecret = serve.DemoAdminClientSecret
	DemoUserClientID      = serve.DemoUserClientID
	DemoUserClientSecret  = serve.DemoUserClientSecret
	DemoAdminIdentityID   = serve.DemoAdminIdentityID
)
