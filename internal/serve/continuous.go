package serve

import (
	"context"

	"github.com/micahq/mica"
	"github.com/micahq/mica/classify"
)

// ClassifyChanged is continuous classification for accounts written outside
// an aggregation (the demo generator, a tenant file): they are classified with
// their source's config in mode default, and get their discovery
// recommendation, whether or not the source has a config, as an aggregation
// classifies what it adds or changes in its apply transaction. Saving a config
// alone changes no account.
func ClassifyChanged(db mica.Store) func(ctx context.Context, sourceID string, accountIDs []string) error {
	return func(ctx context.Context, sourceID string, accountIDs []string) error {
		cfg, err := db.GetMachineClassificationConfig(ctx, sourceID)
		if err != nil && mica.ErrorCode(err) != mica.ENOTFOUND {
			return err
		}
		p, err := classify.Compile(cfg)
		if err != nil {
			return err
		}
		people, err := db.SourcePeople(ctx, sourceID, mica.PeopleSample)
		if err != nil {
			return err
		}
		_, err = db.ClassifyAccounts(ctx, sourceID, accountIDs, classify.Decider(classify.ModeDefault, p, people))
		return err
	}
}
