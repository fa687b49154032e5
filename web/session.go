package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"
)

// session is one signed-in browser: the access token the console minted with
// the client id and secret the user entered. The token never leaves the server;
// the browser holds only the session cookie, which names the session.
type session struct {
	token      string    // bearer token of the signed-in client
	csrf       string    // per-session token every state-changing request must echo
	expires    time.Time // the token's expiry: the session ends with it
	clientID   string
	identityID string
	userName   string
	levels     []string // the identity's user levels when the token was minted (display only)
}

// valid reports whether csrf matches the session's token, in constant time.
func (s *session) validCSRF(csrf string) bool {
	return csrf != "" && subtle.ConstantTimeCompare([]byte(csrf), []byte(s.csrf)) == 1
}

// sessionStore keeps sessions in memory, keyed by the SHA-256 of the cookie
// value (the cookie value itself is never stored). A restart signs everyone out.
type sessionStore struct {
	mu  sync.Mutex
	m   map[string]*session
	max int
}

func newSessionStore(max int) *sessionStore {
	return &sessionStore{m: map[string]*session{}, max: max}
}

func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// create stores s under a fresh random cookie value, which it returns. Expired
// sessions are dropped first; when the store is full, the session closest to
// its expiry makes room.
func (st *sessionStore) create(s *session, now time.Time) string {
	cookie := randomToken()
	s.csrf = randomToken()
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, v := range st.m {
		if !now.Before(v.expires) {
			delete(st.m, k)
		}
	}
	if len(st.m) >= st.max {
		var oldest string
		for k, v := range st.m {
			if oldest == "" || v.expires.Before(st.m[oldest].expires) {
				oldest = k
			}
		}
		delete(st.m, oldest)
	}
	st.m[sessionKey(cookie)] = s
	return cookie
}

// get returns the live session named by cookie, or nil.
func (st *sessionStore) get(cookie string, now time.Time) *session {
	if cookie == "" {
		return nil
	}
	k := sessionKey(cookie)
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.m[k]
	if s == nil {
		return nil
	}
	if !now.Before(s.expires) {
		delete(st.m, k)
		return nil
	}
	return s
}

// delete ends the session named by cookie.
func (st *sessionStore) delete(cookie string) {
	if cookie == "" {
		return
	}
	st.mu.Lock()
	delete(st.m, sessionKey(cookie))
	st.mu.Unlock()
}

// len is the number of stored sessions (tests).
func (st *sessionStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.m)
}
