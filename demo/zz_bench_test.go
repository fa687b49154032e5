package demo_test

import (
	"testing"

	"github.com/micahq/mica/classify"
	"github.com/micahq/mica/demo"
)

func BenchmarkZZTenant(b *testing.B) {
	tn := demo.Generate(demo.Config{})
	var accts []*classify.Account
	for _, a := range tn.Accounts {
		accts = append(accts, &classify.Account{Name: a.Name, NativeIdentity: a.NativeIdentity, Attributes: a.Attributes})
	}
	b.Run("Score", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			classify.Score(accts[i%len(accts)])
			i++
		}
	})
	b.Run("Discover", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			classify.Discover(accts[i%len(accts)])
			i++
		}
	})
}
