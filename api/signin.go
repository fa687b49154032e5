package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/micahq/mica/oauth"
)

// Sign-in limits of POST /oauth/token (README "Security and limits"). A
// failed attempt costs a bcrypt comparison (about 50-80 ms of CPU), so
// failures are throttled per client id and per remote address before any
// hashing, and the comparisons that do run are bounded so that the rest of the
// server stays responsive.
const (
	DefaultSignInFailuresPerClient = 10              // failed attempts per client id per window
	DefaultSignInFailuresPerAddr   = 30              // failed attempts per remote address per window
	DefaultSignInWindow            = time.Minute     // the window both counts cover
	signInQueueWait                = 5 * time.Second // how long an attempt waits for a hashing slot
	signInTrackMax                 = 100_000         // client ids and addresses tracked at most
	signInVerifiedMax              = 10_000          // verified credentials remembered at most
)

// SignInLimits configures the token endpoint's throttling.
type SignInLimits struct {
	FailuresPerClient int           // 0: DefaultSignInFailuresPerClient; < 0: no per-client limit
	FailuresPerAddr   int           // 0: DefaultSignInFailuresPerAddr; < 0: no per-address limit
	Window            time.Duration // 0: DefaultSignInWindow
	// Hashers bounds concurrent secret comparisons; 0: half the CPUs, at least one.
	Hashers int
}

// signInGuard throttles failed sign-ins, hashes for unknown client ids as for
// known ones (so response times do not tell which ids exist), bounds
// concurrent hashing, and remembers credentials it has verified (as an HMAC
// under a key that lives only in this process) so that a client signing in
// again costs no hashing and is not locked out by someone else's failures.
type signInGuard struct {
	limits SignInLimits
	now    func() time.Time
	slots  chan struct{}
	key    [32]byte
	dummy  string // a bcrypt hash of a random secret, compared when the client id is unknown

	mu       sync.Mutex
	byClient map[string]*failWindow
	byAddr   map[string]*failWindow
	verified map[[32]byte]string // HMAC(client id, secret) -> the secret hash it matched

	// Comparisons counts bcrypt comparisons; MaxHashing is the most that ran at once (tests, metrics).
	Comparisons atomic.Int64
	hashing     atomic.Int64
	MaxHashing  atomic.Int64
}

type failWindow struct {
	start time.Time
	n     int
}

func newSignInGuard(l SignInLimits, now func() time.Time) *signInGuard {
	if l.FailuresPerClient == 0 {
		l.FailuresPerClient = DefaultSignInFailuresPerClient
	}
	if l.FailuresPerAddr == 0 {
		l.FailuresPerAddr = DefaultSignInFailuresPerAddr
	}
	if l.Window <= 0 {
		l.Window = DefaultSignInWindow
	}
	if l.Hashers <= 0 {
		l.Hashers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	g := &signInGuard{limits: l, now: now, slots: make(chan struct{}, l.Hashers),
		byClient: map[string]*failWindow{}, byAddr: map[string]*failWindow{}, verified: map[[32]byte]string{}}
	_, _ = rand.Read(g.key[:])
	dummy, err := oauth.HashSecret(oauth.NewSecret())
	if err != nil { // cannot happen: a fresh secret is 64 bytes
		panic(err)
	}
	g.dummy = dummy
	return g
}

// remoteHost is the address a request came from, without its port.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// begin counts an attempt for clientID from addr as a failure until it
// succeeds (so that concurrent attempts cannot pass the limit together), or
// returns how long attempts must wait when a limit is reached.
func (g *signInGuard) begin(clientID, addr string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	wait := time.Duration(0)
	check := func(m map[string]*failWindow, k string, limit int) {
		w := m[k]
		if w == nil || limit < 0 {
			return
		}
		end := w.start.Add(g.limits.Window)
		if !now.Before(end) {
			delete(m, k)
			return
		}
		if w.n >= limit {
			wait = max(wait, end.Sub(now))
		}
	}
	check(g.byClient, clientID, g.limits.FailuresPerClient)
	check(g.byAddr, addr, g.limits.FailuresPerAddr)
	if wait > 0 {
		return wait
	}
	count := func(m map[string]*failWindow, k string) {
		w := m[k]
		if w == nil {
			if len(m) >= signInTrackMax {
				g.sweep(m, now)
			}
			w = &failWindow{start: now}
			m[k] = w
		}
		w.n++
	}
	count(g.byClient, clientID)
	count(g.byAddr, addr)
	return 0
}

// succeeded takes back the failure begin counted.
func (g *signInGuard) succeeded(clientID, addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, e := range []struct {
		m map[string]*failWindow
		k string
	}{{g.byClient, clientID}, {g.byAddr, addr}} {
		if w := e.m[e.k]; w != nil && w.n > 0 {
			w.n--
		}
	}
}

// sweep drops ended windows; if none has ended, it drops them all rather than grow without bound.
func (g *signInGuard) sweep(m map[string]*failWindow, now time.Time) {
	for k, w := range m {
		if !now.Before(w.start.Add(g.limits.Window)) {
			delete(m, k)
		}
	}
	if len(m) >= signInTrackMax {
		clear(m)
	}
}

func (g *signInGuard) mac(clientID, secret string) [32]byte {
	h := hmac.New(sha256.New, g.key[:])
	h.Write([]byte(clientID))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// knownGood reports whether secret was verified before against hash.
func (g *signInGuard) knownGood(clientID, secret, hash string) bool {
	m := g.mac(clientID, secret)
	g.mu.Lock()
	defer g.mu.Unlock()
	h, ok := g.verified[m]
	return ok && hmac.Equal([]byte(h), []byte(hash))
}

func (g *signInGuard) remember(clientID, secret, hash string) {
	m := g.mac(clientID, secret)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.verified) >= signInVerifiedMax {
		clear(g.verified)
	}
	g.verified[m] = hash
}

// errSignInBusy is returned when no hashing slot frees up in time.
type errSignInBusy struct{}

func (errSignInBusy) Error() string { return "too many sign-ins at once" }

// compare checks secret against hash (the dummy hash when hash is ""), in one
// of the bounded hashing slots.
func (g *signInGuard) compare(ctx context.Context, hash, secret string) (bool, error) {
	t := time.NewTimer(signInQueueWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-t.C:
		return false, errSignInBusy{}
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-g.slots }()
	n := g.hashing.Add(1)
	defer g.hashing.Add(-1)
	for {
		m := g.MaxHashing.Load()
		if n <= m || g.MaxHashing.CompareAndSwap(m, n) {
			break
		}
	}
	g.Comparisons.Add(1)
	if hash == "" {
		oauth.CheckSecret(g.dummy, secret)
		return false, nil
	}
	return oauth.CheckSecret(hash, secret), nil
}

// tooManySignIns answers a throttled sign-in: 429 in ISC's shape with Retry-After.
func tooManySignIns(w http.ResponseWriter, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": " Rate Limit Exceeded "})
}

// SignInStats reports how many client secrets the token endpoint has compared
// and the most comparisons that ran at once.
func (s *Server) SignInStats() (comparisons, maxConcurrent int64) {
	return s.signIn.Comparisons.Load(), s.signIn.MaxHashing.Load()
}
