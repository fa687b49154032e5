package web

import (
	"testing"
	"time"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", "/console/"},
		{"/console/", "/console/"},
		{"/console/apps", "/console/apps"},
		{"/console/sources/abc?q=svc&offset=25", "/console/sources/abc?q=svc&offset=25"},
		{"//evil.example/console/", "/console/"},
		{"https://evil.example/console/", "/console/"},
		{"/console/../oauth/token", "/console/"},
		{"/console/./apps", "/console/"},
		{"/console//apps", "/console/"},
		{"/console/\\evil", "/console/"},
		{"/console/api/v2025/sources", "/console/"},
		{"/console/login?next=/console/apps", "/console/"},
		{"/console/assets/app.js", "/console/"},
		{"/v3/sources", "/console/"},
		{"/console/apps\r\nSet-Cookie: x=y", "/console/"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSessionStore(t *testing.T) {
	t.Parallel()
	now := time.Now()
	st := newSessionStore(2)
	a := st.create(&session{token: "a", expires: now.Add(time.Minute)}, now)
	b := st.create(&session{token: "b", expires: now.Add(2 * time.Minute)}, now)
	if s := st.get(a, now); s == nil || s.token != "a" || s.csrf == "" {
		t.Fatalf("get a: %+v", s)
	}
	if st.get(a+"x", now) != nil || st.get("", now) != nil {
		t.Fatal("an unknown cookie names a session")
	}
	// Full: the session closest to its expiry makes room.
	c := st.create(&session{token: "c", expires: now.Add(3 * time.Minute)}, now)
	if st.get(a, now) != nil || st.get(b, now) == nil || st.get(c, now) == nil {
		t.Fatal("eviction")
	}
	// Expired sessions are gone.
	if st.get(b, now.Add(2*time.Minute)) != nil {
		t.Fatal("an expired session is still served")
	}
	st.delete(c)
	if st.get(c, now) != nil || st.len() != 0 {
		t.Fatalf("delete: %d left", st.len())
	}
	if s := (&session{csrf: "x"}); s.validCSRF("") || s.validCSRF("y") || !s.validCSRF("x") {
		t.Fatal("validCSRF")
	}
}
