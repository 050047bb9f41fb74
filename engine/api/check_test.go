package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// secret is the token the test server accepts; wrong is one it refuses.
// Both are credentials and must never appear in a Report.
const (
	secret = "tok-7f3a9c1e55d2b8aa"
	wrong  = "tok-wrong-0b1c2d3e4f"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tcpreport test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a certificate for 127.0.0.1 that expires in days days.
func (ca *testCA) leaf(t *testing.T, days int) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "api.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Duration(days)*24*time.Hour + time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// caFile writes the CA's certificate into dir and returns its name.
func (ca *testCA) caFile(t *testing.T, dir string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return "ca.pem"
}

// server starts a TLS server on 127.0.0.1 with a certificate of ca.
func server(t *testing.T, ca *testCA, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, 90)}, MinVersion: tls.VersionTLS12}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what some tests want
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// authHandler accepts the credentials of auth and answers 401, echoing
// what it got, otherwise: a server that echoes must not leak the token.
func authHandler(auth string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		okay := false
		got := ""
		switch auth {
		case AuthBearer:
			got = r.Header.Get("Authorization")
			okay = got == "Bearer "+secret
		case AuthAPIKey:
			got = r.Header.Get("X-Api-Token")
			okay = got == secret
		case AuthBasic:
			u, p, _ := r.BasicAuth()
			got = r.Header.Get("Authorization")
			okay = u == "alice" && p == secret
		}
		if !okay {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "invalid credentials: %s", got)
			return
		}
		fmt.Fprintf(w, `{"models":["m1"],"path":%q}`, r.URL.Path)
	})
}

func endpoint(t *testing.T, settings map[string]string) *Endpoint {
	t.Helper()
	ep, err := Parse("echo", settings)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// noSecret fails when a credential appears in r or err.
func noSecret(t *testing.T, r *Report, err error) {
	t.Helper()
	b, jerr := json.Marshal(r)
	if jerr != nil {
		t.Fatal(jerr)
	}
	s := string(b) + fmt.Sprint(err)
	for _, sec := range []string{secret, wrong} {
		if strings.Contains(s, sec) {
			t.Errorf("credential %s appears in the report: %s", sec, s)
		}
	}
}

func TestCheck(t *testing.T) {
	ca := newCA(t)
	dir := t.TempDir()
	caFile := ca.caFile(t, dir)
	other := newCA(t) // an authority the client does not trust

	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	bearer := server(t, ca, authHandler(AuthBearer))
	apiKey := server(t, ca, authHandler(AuthAPIKey))
	basic := server(t, ca, authHandler(AuthBasic))
	slowSrv := server(t, ca, slow)
	untrusted := server(t, other, authHandler(AuthBearer))

	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name      string
		settings  map[string]string
		creds     Credentials
		status    int
		reachable bool
		outcome   string // prefix
		contains  string
		tls       bool
	}{
		{"bearer", map[string]string{"url": bearer.URL, "auth": "bearer", "token_env": "ECHO_TOKEN", "ca_file": caFile, "request": "GET /v1/models"},
			Credentials{Token: secret}, 200, true, "ok", "", true},
		{"wrong bearer", map[string]string{"url": bearer.URL, "auth": "bearer", "token_env": "ECHO_TOKEN", "ca_file": caFile},
			Credentials{Token: wrong}, 401, true,
			"unauthorized: HTTP 401: the server refused the credentials in ECHO_TOKEN", `(reply: "invalid credentials: Bearer [redacted]")`, true},
		{"api key", map[string]string{"url": apiKey.URL, "auth": "api_key", "header": "X-Api-Token", "token_env": "ECHO_KEY", "ca_file": caFile},
			Credentials{Token: secret}, 200, true, "ok", "", true},
		{"wrong api key", map[string]string{"url": apiKey.URL, "auth": "api_key", "header": "X-Api-Token", "token_env": "ECHO_KEY", "ca_file": caFile},
			Credentials{Token: wrong}, 401, true, "unauthorized: HTTP 401", `(reply: "invalid credentials: [redacted]")`, true},
		{"basic", map[string]string{"url": basic.URL, "auth": "basic", "user_env": "ECHO_USER", "token_env": "ECHO_PASSWORD", "ca_file": caFile},
			Credentials{User: "alice", Token: secret}, 200, true, "ok", "", true},
		{"wrong basic", map[string]string{"url": basic.URL, "auth": "basic", "user_env": "ECHO_USER", "token_env": "ECHO_PASSWORD", "ca_file": caFile},
			Credentials{User: "alice", Token: wrong}, 401, true,
			"unauthorized: HTTP 401: the server refused the credentials in ECHO_PASSWORD and ECHO_USER", `(reply: "invalid credentials: Basic [redacted]")`, true},
		{"no credentials", map[string]string{"url": bearer.URL, "ca_file": caFile}, Credentials{}, 401, true,
			"unauthorized: HTTP 401: the API needs credentials (declare auth and token_env)", "", true},
		{"timeout", map[string]string{"url": slowSrv.URL, "ca_file": caFile, "timeout": "200ms"}, Credentials{}, 0, false,
			"unreachable: no answer within 200ms (raise apis.echo.timeout)", "", true},
		{"untrusted CA", map[string]string{"url": untrusted.URL, "auth": "bearer", "token_env": "ECHO_TOKEN", "ca_file": caFile},
			Credentials{Token: secret}, 0, false,
			"unreachable: TLS handshake with " + strings.TrimPrefix(untrusted.URL, "https://") +
				": TLS: the certificate is signed by an unknown authority (set apis.echo.ca_file to the CA that signed it, or verify_tls: false to check without verification)", "", false},
		{"system roots", map[string]string{"url": bearer.URL, "auth": "bearer", "token_env": "ECHO_TOKEN"},
			Credentials{Token: secret}, 0, false, "unreachable: TLS handshake", "signed by an unknown authority", false},
		{"verification off", map[string]string{"url": untrusted.URL, "auth": "bearer", "token_env": "ECHO_TOKEN", "verify_tls": "false"},
			Credentials{Token: secret}, 200, true, "ok; TLS verification off", "", true},
		{"refused", map[string]string{"url": closed, "timeout": "2s"}, Credentials{}, 0, false,
			"unreachable: connecting to " + strings.TrimPrefix(closed, "https://") + ": connection refused", "", false},
		{"http to a TLS server", map[string]string{"url": strings.Replace(bearer.URL, "https", "http", 1)}, Credentials{}, 400, true,
			"HTTP 400 Bad Request", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := endpoint(t, tt.settings)
			r, err := Check(context.Background(), ep, tt.creds, Options{Samples: 3, Dir: dir})
			noSecret(t, r, err)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.status || r.Reachable != tt.reachable {
				t.Errorf("status %d reachable %v, want %d %v (outcome %s)", r.Status, r.Reachable, tt.status, tt.reachable, r.Outcome)
			}
			if !strings.HasPrefix(r.Outcome, tt.outcome) || !strings.Contains(r.Outcome, tt.contains) {
				t.Errorf("outcome = %q\nwant prefix %q containing %q", r.Outcome, tt.outcome, tt.contains)
			}
			if tt.tls {
				if r.TLSVersion != "TLS 1.3" {
					t.Errorf("TLS version = %q", r.TLSVersion)
				}
				if r.CertDays != 90 {
					t.Errorf("certificate expires in %d days, want 90", r.CertDays)
				}
			}
			if tt.reachable {
				if n := len(r.Latencies()); n != 3 {
					t.Errorf("%d latencies, want 3", n)
				}
				if m, ok := r.Median(); !ok || m <= 0 {
					t.Errorf("median = %v, %v", m, ok)
				}
			} else if len(r.Latencies()) != 0 {
				t.Errorf("latencies of an unreachable endpoint: %v", r.Latencies())
			}
		})
	}
}

func TestCheckBadCAFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a certificate"), 0o644)
	ep := endpoint(t, map[string]string{"url": "https://127.0.0.1:1", "ca_file": "junk.pem"})
	_, err := Check(context.Background(), ep, Credentials{}, Options{Dir: dir})
	if want := "apis.echo.ca_file: junk.pem holds no PEM certificate"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// fakeClock advances only when slept on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func TestLimiter(t *testing.T) {
	for _, tt := range []struct {
		rate float64
		n    int
		want time.Duration
	}{
		{60, 5, 4 * time.Second},
		{600, 11, time.Second},
		{0.5, 3, 4 * time.Minute},
		{0, 10, 0},
	} {
		t.Run(fmt.Sprint(tt.rate, "/min"), func(t *testing.T) {
			clk := &fakeClock{now: time.Unix(1e9, 0)}
			l := NewLimiter(tt.rate, clk)
			start := clk.Now()
			var waited time.Duration
			for range tt.n {
				w, err := l.Wait(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				waited += w
			}
			if got := clk.Now().Sub(start); got != tt.want || waited != tt.want {
				t.Errorf("%d requests at %v/min took %v (waited %v), want %v", tt.n, tt.rate, got, waited, tt.want)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	ca := newCA(t)
	dir := t.TempDir()
	caFile := ca.caFile(t, dir)

	t.Run("declared rate, wall clock", func(t *testing.T) {
		var n atomic.Int32
		s := server(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
		ep := endpoint(t, map[string]string{"url": s.URL, "ca_file": caFile, "rate_per_minute": "600"})
		start := time.Now()
		r, err := Check(context.Background(), ep, Credentials{}, Options{Samples: 4, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		// 600 a minute is one each 100ms: the 4th request starts 300ms
		// after the first at the earliest. Only a lower bound, so a busy
		// machine cannot make it fail.
		if el := time.Since(start); el < 300*time.Millisecond {
			t.Errorf("4 requests at 600/min took %v, want ≥ 300ms", el)
		}
		if n.Load() != 4 || r.Outcome != "ok" || r.Waited <= 0 {
			t.Errorf("server saw %d requests; outcome %q; waited %v", n.Load(), r.Outcome, r.Waited)
		}
	})

	t.Run("429 with Retry-After", func(t *testing.T) {
		var n atomic.Int32
		s := server(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 2 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, "slow down")
				return
			}
			fmt.Fprint(w, "{}")
		}))
		ep := endpoint(t, map[string]string{"url": s.URL, "ca_file": caFile, "rate_per_minute": "30"})
		clk := &fakeClock{now: time.Now()}
		r, err := Check(context.Background(), ep, Credentials{}, Options{Samples: 3, Dir: dir, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		// Requests 1, 2 (429), 3, 4: spaced 2s by the declared rate, and
		// 7s after the 429 as the server asked.
		want := []time.Duration{2 * time.Second, 7 * time.Second, 2 * time.Second}
		if fmt.Sprint(clk.sleeps) != fmt.Sprint(want) {
			t.Errorf("slept %v, want %v", clk.sleeps, want)
		}
		if n.Load() != 4 || r.RateLimited != 1 || r.Status != 200 || len(r.Latencies()) != 3 || len(r.Samples) != 4 {
			t.Errorf("server saw %d; report %+v", n.Load(), r)
		}
		if want := "ok; 1 requests answered 429 (too many requests)"; r.Outcome != want {
			t.Errorf("outcome %q, want %q", r.Outcome, want)
		}
	})

	t.Run("429 always", func(t *testing.T) {
		s := server(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		ep := endpoint(t, map[string]string{"url": s.URL, "ca_file": caFile})
		clk := &fakeClock{now: time.Now()}
		r, err := Check(context.Background(), ep, Credentials{}, Options{Samples: 3, Dir: dir, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		if want := "rate limited: HTTP 429 to every request; the server asked to wait longer than 30s"; r.Outcome != want || !r.Reachable {
			t.Errorf("outcome %q, want %q", r.Outcome, want)
		}
		if len(clk.sleeps) != 0 {
			t.Errorf("slept %v for a Retry-After beyond the limit", clk.sleeps)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Thu, 02 Jan 2025 03:05:05 GMT": time.Minute,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
