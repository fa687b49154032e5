// Package web is mica's web console: a few static pages and browser modules,
// embedded in the binary, served under /console/.
//
// The console has no rights of its own. Signing in mints an access token with
// the client id and secret the user enters, through the API's own token
// endpoint; the token stays in a server-side session named by an HttpOnly,
// SameSite=Strict cookie, and the browser calls the real ISC API through a
// same-origin proxy (/console/api/...) that adds the token. So every check a
// page meets is the API's own, for the signed-in identity.
package web

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assetFS embed.FS

// Cookie and header names.
const (
	sessionCookie = "mica_console"       // names the server-side session
	loginCookie   = "mica_console_login" // double-submit token of the sign-in form
	csrfHeader    = "X-CSRF-Token"       // carries the session's CSRF token on state-changing calls
	csrfField     = "csrf"               // the same, in forms
)

// DefaultMaxSessions caps live console sessions when Options.MaxSessions is 0.
const DefaultMaxSessions = 10000

// maxFormBytes caps the sign-in and sign-out form bodies.
const maxFormBytes = 64 << 10

// apiPrefixes are the API versions the proxy forwards to: the ISC versions and
// mica's extensions. OAuth and health are not reachable through it.
var apiPrefixes = []string{"/v3/", "/beta/", "/v2024/", "/v2025/", "/v2026/", "/mica/v1/"}

// Options configure the console.
type Options struct {
	Logger *slog.Logger
	// SecureCookies marks cookies Secure on plain-HTTP requests too, for a server
	// behind a TLS-terminating proxy. Requests that arrive over TLS always get them.
	SecureCookies bool
	// MaxSessions caps live sessions (default DefaultMaxSessions).
	MaxSessions int
}

// Console serves the web console in front of the API handler.
type Console struct {
	// Now is the console's clock (session expiry); tests replace it.
	Now func() time.Time

	api      http.Handler
	opt      Options
	sessions *sessionStore
	static   http.Handler
	index    []byte
	login    *template.Template
}

// New returns a console that calls api, the API's root handler, in-process.
func New(api http.Handler, opt Options) *Console {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.MaxSessions <= 0 {
		opt.MaxSessions = DefaultMaxSessions
	}
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	return &Console{Now: time.Now, api: api, opt: opt, sessions: newSessionStore(opt.MaxSessions),
		static: http.StripPrefix("/console/assets/", http.FileServerFS(sub)), index: index,
		login: template.Must(template.ParseFS(sub, "login.html"))}
}

// Handler serves the console under /console and every other path with the API.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", c.api)
	con := http.NewServeMux()
	con.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
	con.HandleFunc("GET /console/login", c.loginPage)
	con.HandleFunc("POST /console/login", c.signIn)
	con.HandleFunc("POST /console/logout", c.signOut)
	con.HandleFunc("GET /console/session", c.sessionInfo)
	con.HandleFunc("GET /console/assets/", c.assets)
	con.HandleFunc("/console/api/", c.proxy)
	con.HandleFunc("/console/", c.page)
	guarded := securityHeaders(con)
	mux.Handle("/console", guarded)
	mux.Handle("/console/", guarded)
	return mux
}

// securityHeaders sets what every console response carries: no framing, no
// foreign scripts, styles, fonts or connections, no sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// cookie builds a console cookie: HttpOnly, SameSite=Strict, Secure over TLS.
func (c *Console) cookie(r *http.Request, name, value, path string, expires time.Time) *http.Cookie {
	// Secure depends on the scheme: a plain-HTTP loopback server (the default) could not keep a Secure cookie.
	secure := r.TLS != nil || c.opt.SecureCookies
	ck := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure} //nolint:gosec // Secure whenever the request or the public URL is TLS
	if value == "" {
		ck.MaxAge = -1
	} else {
		ck.Expires = expires
		ck.MaxAge = max(1, int(expires.Sub(c.Now()).Seconds()))
	}
	return ck
}

// session returns the request's live session, or nil.
func (c *Console) session(r *http.Request) (*session, string) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, ""
	}
	return c.sessions.get(ck.Value, c.Now()), ck.Value
}

// sameOrigin refuses state-changing requests that a browser marks as coming
// from another site (defence in depth; the CSRF token is the real check).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// writeJSON answers v with status; console answers are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// signInURL is where an expired or missing session sends the user: the sign-in
// page, which returns to next afterwards.
func signInURL(next string) string {
	if next = safeNext(next); next == "/console/" {
		return "/console/login"
	}
	return "/console/login?next=" + url.QueryEscape(next)
}

// safeNext keeps a return path only when it is a console page on this server.
func safeNext(next string) string {
	const def = "/console/"
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return def
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !isCleanPath(u.Path) {
		return def
	}
	for _, p := range []string{"/console/api/", "/console/login", "/console/logout", "/console/session", "/console/assets/"} {
		if strings.HasPrefix(u.Path, p) {
			return def
		}
	}
	return u.RequestURI()
}

// isCleanPath reports whether p has no empty, "." or ".." segments.
func isCleanPath(p string) bool {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// page serves the shell of every console page; the page's module draws it.
// Without a live session it sends the user to sign in, and back here afterwards.
func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s, _ := c.session(r); s == nil {
		http.Redirect(w, r, signInURL(r.URL.RequestURI()), http.StatusSeeOther) //nolint:gosec // a local path: signInURL keeps only console pages (safeNext)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(c.index)
}

// assets serves the embedded styles and modules.
func (c *Console) assets(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".html") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	c.static.ServeHTTP(w, r)
}

// loginData fills the sign-in page.
type loginData struct {
	CSRF     string
	Next     string
	ClientID string
	Error    string
}

// loginPage shows the sign-in form with a fresh double-submit token: the form
// carries it and a cookie scoped to /console/login carries it too.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.renderLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	d.CSRF = randomToken()
	http.SetCookie(w, c.cookie(r, loginCookie, d.CSRF, "/console/login", c.Now().Add(time.Hour)))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var b bytes.Buffer
	if err := c.login.Execute(&b, d); err != nil {
		c.opt.Logger.Error("console: render sign-in page", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// signIn checks the form's double-submit token, mints a token with the entered
// client credentials through the API's token endpoint, and starts a session.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		c.renderLogin(w, r, http.StatusBadRequest, loginData{Error: "The sign-in form could not be read; try again."})
		return
	}
	d := loginData{Next: safeNext(r.PostForm.Get("next")), ClientID: strings.TrimSpace(r.PostForm.Get("client_id"))}
	ck, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) || r.PostForm.Get(csrfField) == "" ||
		subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get(csrfField))) != 1 {
		d.Error = "The sign-in form has expired or was not sent from this page; sign in again."
		c.renderLogin(w, r, http.StatusForbidden, d)
		return
	}
	secret := r.PostForm.Get("client_secret")
	if d.ClientID == "" || secret == "" {
		d.Error = "Enter a client id and a client secret."
		c.renderLogin(w, r, http.StatusBadRequest, d)
		return
	}
	s, status, msg := c.mint(r, d.ClientID, secret)
	if s == nil {
		d.Error = msg
		c.renderLogin(w, r, status, d)
		return
	}
	if _, old := c.session(r); old != "" {
		c.sessions.delete(old)
	}
	value := c.sessions.create(s, c.Now())
	http.SetCookie(w, c.cookie(r, sessionCookie, value, "/console/", s.expires))
	http.SetCookie(w, c.cookie(r, loginCookie, "", "/console/login", time.Time{}))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// tokenAnswer is what the console reads of POST /oauth/token.
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int    `json:"expires_in"`
	IdentityID       string `json:"identity_id"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// mint asks the API's own token endpoint, in-process, for a client-credentials
// token. It returns the new session, or an HTTP status and a message for the form.
func (c *Console) mint(r *http.Request, clientID, secret string) (*session, int, string) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, http.StatusInternalServerError, "The sign-in failed; try again."
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	rec := newRecorder()
	c.api.ServeHTTP(rec, req)
	var ans tokenAnswer
	if err := json.Unmarshal(rec.body.Bytes(), &ans); err != nil && rec.status == http.StatusOK {
		c.opt.Logger.Error("console: unreadable token answer", "error", err)
		return nil, http.StatusInternalServerError, "The sign-in failed; try again."
	}
	switch {
	case rec.status == http.StatusUnauthorized && ans.ErrorDescription == "Bad credentials":
		return nil, http.StatusUnauthorized, "The client id or the client secret is wrong."
	case rec.status == http.StatusTooManyRequests:
		wait := rec.header.Get("Retry-After")
		if wait == "" {
			wait = "a few"
		}
		return nil, http.StatusTooManyRequests, "Too many failed sign-ins for this client or from this address; try again in " + wait + " seconds."
	case rec.status != http.StatusOK:
		msg := ans.ErrorDescription
		if msg == "" {
			msg = ans.Error
		}
		if msg == "" {
			msg = http.StatusText(rec.status)
		}
		return nil, rec.status, "The sign-in was refused: " + msg + "."
	case ans.AccessToken == "":
		return nil, http.StatusInternalServerError, "The sign-in failed; try again."
	case ans.IdentityID == "":
		return nil, http.StatusForbidden, "This is an API client, which acts for no identity. " +
			"Sign in with a personal access token: the console acts as its identity."
	}
	s := &session{token: ans.AccessToken, clientID: clientID, identityID: ans.IdentityID,
		expires: c.Now().Add(time.Duration(ans.ExpiresIn) * time.Second)}
	s.userName, s.levels = tokenClaims(ans.AccessToken)
	return s, http.StatusOK, ""
}

// tokenClaims reads the user name and user levels of a token the console has
// just received from the token endpoint, for display. Nothing is decided on
// them: the API checks the token on every call.
func tokenClaims(token string) (userName string, levels []string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", nil
	}
	var claims struct {
		UserName    string   `json:"user_name"`
		Authorities []string `json:"authorities"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return "", nil
	}
	return claims.UserName, claims.Authorities
}

// signOut ends the session. It needs the session's CSRF token (form field or header).
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	s, value := c.session(r)
	if s != nil {
		token := r.Header.Get(csrfHeader)
		if token == "" {
			_ = r.ParseForm()
			token = r.PostForm.Get(csrfField)
		}
		if !sameOrigin(r) || !s.validCSRF(token) {
			http.Error(w, "The sign-out was not sent from a console page (missing or wrong CSRF token).", http.StatusForbidden)
			return
		}
		c.sessions.delete(value)
	}
	http.SetCookie(w, c.cookie(r, sessionCookie, "", "/console/", time.Time{}))
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// sessionInfo tells the page who is signed in and the CSRF token to send; never the access token.
func (c *Console) sessionInfo(w http.ResponseWriter, r *http.Request) {
	s, _ := c.session(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Your console session has ended; sign in again.",
			"signIn": "/console/login"})
		return
	}
	levels := s.levels
	if levels == nil {
		levels = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"clientId": s.clientID, "identityId": s.identityID,
		"userName": s.userName, "levels": levels, "expires": s.expires.UTC().Format(time.RFC3339), "csrf": s.csrf})
}

// proxy forwards /console/api/{version}/... to the API, in-process, as the
// signed-in identity: it replaces whatever credentials the browser sent with the
// session's bearer token. State-changing calls need the session's CSRF token.
// A 401 from the API (the client was deleted or disabled) ends the session.
func (c *Console) proxy(w http.ResponseWriter, r *http.Request) {
	s, value := c.session(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Your console session has ended; sign in again.",
			"signIn": "/console/login"})
		return
	}
	if !isSafeMethod(r.Method) && (!sameOrigin(r) || !s.validCSRF(r.Header.Get(csrfHeader))) {
		writeJSON(w, http.StatusForbidden, map[string]string{
			"error": "The request was not sent from a console page (missing or wrong " + csrfHeader + " header)."})
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/console/api")
	allowed := false
	for _, p := range apiPrefixes {
		allowed = allowed || strings.HasPrefix(rest, p)
	}
	if !allowed || !isCleanPath(rest) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "The console proxy reaches only the API versions (" +
			strings.Join(apiPrefixes, ", ") + ")."})
		return
	}
	out := r.Clone(r.Context())
	u := *r.URL
	u.Path = rest
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath = strings.TrimPrefix(r.URL.RawPath, "/console/api")
	}
	out.URL, out.RequestURI = &u, u.RequestURI()
	out.Header.Del("Cookie")
	out.Header.Del(csrfHeader)
	out.Header.Set("Authorization", "Bearer "+s.token)
	w.Header().Set("Cache-Control", "no-store")
	sw := &statusWriter{ResponseWriter: w}
	c.api.ServeHTTP(sw, out)
	if sw.status == http.StatusUnauthorized {
		c.sessions.delete(value)
	}
}

// statusWriter remembers the status an answer was written with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recorder collects an in-process answer (the token endpoint's).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.body.Len()+len(b) > 1<<20 {
		return 0, errors.New("answer too large")
	}
	return r.body.Write(b)
}
