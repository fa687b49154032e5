package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/micahq/mica"
)

// OpenStore returns a fresh, empty store for one benchmark; Bench closes it.
type OpenStore func(b *testing.B) mica.Store

// Bench runs the store benchmarks of the paths whose rules live in the domain:
// an aggregation of 20,000 accounts staged in batches of 1,000 and applied
// (correlation, identity names, the removal rule, completion), and the
// read-modify-write updates of a source and of a personal access token.
func Bench(b *testing.B, open OpenStore) {
	b.Run("Aggregate20k", func(b *testing.B) {
		const rows, batch = 20000, 1000
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			s := open(b)
			owner := &mica.Identity{Name: "owner", Alias: "owner"}
			must(b, s.CreateIdentity(ctx, owner))
			src := &mica.Source{Name: "Files", Owner: mica.Ref{ID: owner.ID}, Authoritative: true}
			src.MakeDelimitedFile()
			must(b, s.CreateSource(ctx, src))
			must(b, s.PutCorrelationConfig(ctx, &mica.CorrelationConfig{SourceID: src.ID,
				AttributeAssignments: []mica.CorrelationAssignment{{Property: "email", Value: "mail", IgnoreCase: true}}}))
			agg := &mica.Aggregation{SourceID: src.ID}
			must(b, s.CreateAggregation(ctx, agg))
			staged := make([]mica.StagedAccount, 0, batch)
			b.StartTimer()
			for i := 0; i < rows; i++ {
				id := fmt.Sprintf("A%07d", i)
				staged = append(staged, mica.StagedAccount{NativeIdentity: id, Name: "user" + id, Line: i + 2, Hash: id,
					Attributes: map[string]any{"id": id, "mail": "user" + id + "@example.com", "givenName": "User", "sn": id}})
				if len(staged) == batch {
					must(b, s.StageAccounts(ctx, agg.ID, staged))
					staged = staged[:0]
				}
			}
			_, err := s.CollectAggregation(ctx, agg.ID)
			must(b, err)
			out, err := s.ApplyAggregation(ctx, agg.ID)
			must(b, err)
			b.StopTimer()
			if out.Stats.Added != rows {
				b.Fatalf("applied %+v", out.Stats)
			}
			_ = s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "accounts/s")
	})
	b.Run("UpdateSource", func(b *testing.B) {
		ctx := context.Background()
		s := open(b)
		defer func() { _ = s.Close() }()
		src := &mica.Source{Name: "AD", Owner: mica.Ref{ID: newBenchIdentity(b, s).ID}, Connector: "active-directory"}
		must(b, s.CreateSource(ctx, src))
		n := 0
		for b.Loop() {
			n++
			_, err := s.UpdateSource(ctx, src.ID, func(x *mica.Source) error {
				x.Description = fmt.Sprintf("change %d", n)
				return nil
			})
			must(b, err)
		}
	})
	b.Run("UpdateClient", func(b *testing.B) {
		ctx := context.Background()
		s := open(b)
		defer func() { _ = s.Close() }()
		c := &mica.Client{ID: mica.NewUUID(), Kind: mica.ClientPAT, Name: "ci", IdentityID: newBenchIdentity(b, s).ID,
			SecretHash: "$2a$hash", Scopes: []string{"sp:scopes:all"}, Enabled: true}
		must(b, s.CreateClient(ctx, c))
		n := 0
		for b.Loop() {
			n++
			_, err := s.UpdateClient(ctx, c.ID, func(x *mica.Client) error {
				x.Name = fmt.Sprintf("ci-%d", n)
				return nil
			})
			must(b, err)
		}
	})
}

func newBenchIdentity(b *testing.B, s mica.Store) *mica.Identity {
	i := &mica.Identity{Name: "owner", Alias: "owner"}
	must(b, s.CreateIdentity(context.Background(), i))
	return i
}
