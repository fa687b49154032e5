package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/micahq/mica/api"
)

// signIn posts client credentials to the token endpoint.
func (h *harness) signIn(id, secret string) response {
	h.t.Helper()
	resp, err := http.PostForm(h.srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}})
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func retryAfter(t *testing.T, r response, max int) {
	t.Helper()
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || n < 1 || n > max {
		t.Fatalf("Retry-After = %q, want 1..%d", r.header.Get("Retry-After"), max)
	}
}

// TestSignInThrottle: failed sign-ins are throttled per client id, before any
// secret is compared; a client that signed in before is not locked out by
// someone else's failures; the window ends.
func TestSignInThrottle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.SignIn = api.SignInLimits{FailuresPerClient: 5, FailuresPerAddr: 100} })
	victim, secret := h.client(h.admin, "sp:scopes:all")
	known, knownSecret := h.client(h.admin, "sp:scopes:all")
	if r := h.signIn(known, knownSecret); r.status != 200 {
		t.Fatalf("first sign-in: %d %s", r.status, r.body)
	}
	for _, id := range []string{victim, known} {
		for i := 0; i < 5; i++ {
			if r := h.signIn(id, "wrong"); r.status != 401 {
				t.Fatalf("failure %d: %d %s", i, r.status, r.body)
			}
		}
	}
	before, _ := h.api.SignInStats()
	r := h.signIn(victim, "wrong")
	checkError(t, r, 429)
	retryAfter(t, r, 60)
	// Throttled even with the right secret: nothing is compared while blocked.
	checkError(t, h.signIn(victim, secret), 429)
	if after, _ := h.api.SignInStats(); after != before {
		t.Fatalf("%d secrets compared while throttled", after-before)
	}
	// A credential verified before still works.
	if r := h.signIn(known, knownSecret); r.status != 200 {
		t.Fatalf("verified client locked out: %d %s", r.status, r.body)
	}
	h.clock.Add(61 * time.Second)
	if r := h.signIn(victim, secret); r.status != 200 {
		t.Fatalf("after the window: %d %s", r.status, r.body)
	}
}

// TestSignInThrottlePerAddress: guessing many client ids from one address is throttled too.
func TestSignInThrottlePerAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.SignIn = api.SignInLimits{FailuresPerClient: 100, FailuresPerAddr: 8} })
	for i := 0; i < 8; i++ {
		if r := h.signIn("unknown-"+strconv.Itoa(i), "x"); r.status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
		}
	}
	r := h.signIn("unknown-9", "x")
	checkError(t, r, 429)
	retryAfter(t, r, 60)
}

// TestSignInUnknownIDCostsTheSame: an unknown client id is answered only after
// a secret comparison, like a known one, so answer times do not reveal which ids exist.
func TestSignInUnknownIDCostsTheSame(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, _ := h.client(h.admin, "sp:scopes:all")
	for _, c := range []string{id, "no-such-client"} {
		before, _ := h.api.SignInStats()
		r := h.signIn(c, "wrong")
		if r.status != 401 || !strings.Contains(string(r.body), "Bad credentials") {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
		if after, _ := h.api.SignInStats(); after != before+1 {
			t.Fatalf("%s: %d comparisons, want 1", c, after-before)
		}
	}
}

// TestSignInHashingBounded: concurrent failing sign-ins compare at most
// Hashers secrets at once, and the server keeps answering other requests.
func TestSignInHashingBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) {
		c.SignIn = api.SignInLimits{FailuresPerClient: -1, FailuresPerAddr: -1, Hashers: 1}
	})
	id, _ := h.client(h.admin, "sp:scopes:all")
	var wg sync.WaitGroup
	statuses := make(chan int, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- h.signIn(id, "wrong").status
		}()
	}
	if r := h.do(http.MethodGet, "/health/live", tierNone, nil); r.status != 200 {
		t.Fatalf("health during sign-ins: %d", r.status)
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 401 && s != 429 {
			t.Fatalf("status %d", s)
		}
	}
	if _, most := h.api.SignInStats(); most != 1 {
		t.Fatalf("%d comparisons ran at once, want at most 1", most)
	}
}

// TestSignInThrottleConcurrent: attempts in flight count against the limit,
// so concurrent failures cannot pass it together.
func TestSignInThrottleConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *api.Config) { c.SignIn = api.SignInLimits{FailuresPerClient: 5, FailuresPerAddr: 100} })
	id, _ := h.client(h.admin, "sp:scopes:all")
	before, _ := h.api.SignInStats()
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := h.signIn(id, "wrong").status
			mu.Lock()
			counts[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	after, _ := h.api.SignInStats()
	if counts[401] != 5 || counts[429] != 11 || after-before != 5 {
		t.Fatalf("statuses %v and %d comparisons, want 5 x 401, 11 x 429 and 5 comparisons", counts, after-before)
	}
}
