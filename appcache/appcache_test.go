package appcache

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/micahq/mica"
)

func snapshotOf(n int) *Snapshot {
	var apps []*mica.SourceApp
	for i := range n {
		apps = append(apps, &mica.SourceApp{ID: string(rune('a' + i))})
	}
	return New(apps)
}

// waitForWaiters blocks until n callers wait on key's flight in fs, or fails.
func waitForWaiters(t *testing.T, s *Snapshot, key string, started *atomic.Int32, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for started.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d callers started", started.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	s.mu.Lock()
	_, inflight := s.ordering[key]
	s.mu.Unlock()
	if !inflight {
		t.Fatal("no computation in flight")
	}
}

// TestOrderComputedOnce: callers that ask for an order while it is computed
// wait for that computation and share its answer, which is then kept.
func TestOrderComputedOnce(t *testing.T) {
	t.Parallel()
	s := snapshotOf(3)
	release := make(chan struct{})
	var computed, started atomic.Int32
	compute := func() ([]int32, error) {
		computed.Add(1)
		<-release
		return []int32{2, 0, 1}, nil
	}
	var wg sync.WaitGroup
	results := make([][]int32, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			results[i], _ = s.Order("name", compute)
		}()
	}
	waitForWaiters(t, s, "name", &started, 8)
	time.Sleep(20 * time.Millisecond) // let every caller reach the flight
	close(release)
	wg.Wait()
	if computed.Load() != 1 {
		t.Fatalf("computed %d times, want once", computed.Load())
	}
	for i, r := range results {
		if len(r) != 3 || r[0] != 2 {
			t.Fatalf("caller %d got %v", i, r)
		}
	}
	if _, err := s.Order("name", func() ([]int32, error) { return nil, errors.New("not kept") }); err != nil {
		t.Fatalf("the order was not kept: %v", err)
	}
}

// TestOrderErrorNotShared: when the computation fails (its request's context
// ended, say) or panics, the callers that waited compute for themselves, and
// nothing is kept.
func TestOrderErrorNotShared(t *testing.T) {
	t.Parallel()
	for _, failure := range []string{"error", "panic"} {
		t.Run(failure, func(t *testing.T) {
			t.Parallel()
			s := snapshotOf(3)
			release := make(chan struct{})
			var started atomic.Int32
			firstDone := make(chan any, 1)
			go func() {
				defer func() { firstDone <- recover() }()
				started.Add(1)
				_, err := s.Order("name", func() ([]int32, error) {
					<-release
					if failure == "panic" {
						panic("boom")
					}
					return nil, errors.New("context canceled")
				})
				firstDone <- err
			}()
			waitForWaiters(t, s, "name", &started, 1)
			var wg sync.WaitGroup
			var own atomic.Int32
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					order, err := s.Order("name", func() ([]int32, error) { own.Add(1); return []int32{0, 1, 2}, nil })
					if err != nil || len(order) != 3 {
						t.Errorf("a waiter got %v, %v", order, err)
					}
				}()
			}
			time.Sleep(20 * time.Millisecond)
			close(release)
			wg.Wait()
			if got := <-firstDone; got == nil {
				t.Fatal("the failing caller saw no failure")
			}
			if n := own.Load(); n != 1 {
				t.Fatalf("the waiters computed %d times, want once (one of them, the others sharing its answer)", n)
			}
		})
	}
}
