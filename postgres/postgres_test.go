package postgres_test

import (
	"testing"

	"github.com/micahq/mica"
	"github.com/micahq/mica/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mica.Store { return testDB(t) })
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) mica.Store { return testDB(b) })
}
