package api

// registerMIS mounts machine identity security (REFERENCE.md §15): source
// subtypes, machine-account mappings, machine identities, machine account
// create requests with the delete approval config, and lifecycle actions.
// The anomaly operations (#75, #76) are not mounted: they need behaviour data
// mica does not hold, so they answer 404 like any unknown path.
func (s *Server) registerMIS() {
	s.registerSubtypes()
	s.registerMappings()
	s.registerMachineIdentities()
	s.registerAccountRequests()
	s.registerLifecycleActions()
}
