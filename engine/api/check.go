package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Credentials are the secrets an endpoint sends. They are read from the
// environment and never written into anything this package returns.
type Credentials struct {
	Token string // bearer token, API key or basic-auth password
	User  string // basic-auth user name
}

// ReadCredentials reads ep's credentials with lookup (os.LookupEnv in
// production). A missing or empty variable is an error that names the
// variable, never a value.
func (ep *Endpoint) ReadCredentials(lookup func(string) (string, bool)) (Credentials, error) {
	var c Credentials
	get := func(key, name string) (string, error) {
		v, ok := lookup(name)
		if !ok || v == "" {
			return "", fmt.Errorf("apis.%s.%s: the environment variable %s is not set (export it before building)", ep.Name, key, name)
		}
		return v, nil
	}
	var err error
	if ep.Auth != AuthNone {
		if c.Token, err = get("token_env", ep.TokenEnv); err != nil {
			return Credentials{}, err
		}
	}
	if ep.Auth == AuthBasic {
		if c.User, err = get("user_env", ep.UserEnv); err != nil {
			return Credentials{}, err
		}
	}
	return c, nil
}

// Options tune a Check.
type Options struct {
	// Samples is the number of timed requests; below 1 means 1.
	Samples int
	// Dir is the report's directory: ca_file resolves from it.
	Dir string
	// Clock paces requests for the rate limit; nil is the wall clock.
	// Latencies are always measured on the wall clock.
	Clock Clock
	// MaxRetryAfter is the longest Retry-After the check waits for; a
	// server that asks for more ends the sampling. 0 means 30s.
	MaxRetryAfter time.Duration
	// MaxRetries bounds the requests answered 429 that are retried; 0
	// means 3.
	MaxRetries int
}

// Sample is one timed request.
type Sample struct {
	// Latency runs from sending the request to reading the end of the reply
	// (at most snippetRead bytes of it).
	Latency time.Duration
	// Status is the HTTP status, 0 when no reply came.
	Status int
	// Err says why no reply came.
	Err string
}

// Report is what a check found. Every fault of the network or the server is
// described here rather than returned as an error.
type Report struct {
	Endpoint *Endpoint
	// Reachable is true when the server answered at least one request.
	Reachable bool
	// Outcome is "ok", "unreachable: <reason>", "unauthorized: ...", and
	// so on: one line for a table cell.
	Outcome string
	// Status is the last HTTP status other than 429, or 429 when every
	// reply was 429; 0 when no reply came.
	Status int
	// Samples are the timed requests in order, 429 answers included.
	Samples []Sample
	// TLSVersion is "TLS 1.3" and so on; "" for http or when the handshake
	// failed.
	TLSVersion string
	// CertNotAfter is the leaf certificate's NotAfter; zero when there was
	// no certificate.
	CertNotAfter time.Time
	// CertDays is the number of whole days from the check to CertNotAfter,
	// negative once it has passed.
	CertDays int
	// CertSubject is the leaf certificate's subject common name or first
	// DNS name.
	CertSubject string
	// RateLimited counts replies with status 429.
	RateLimited int
	// Waited is the total time spent waiting for the rate limit and for
	// Retry-After.
	Waited time.Duration
	// Snippet is the start of the last reply's body when its status was an
	// error, cleaned to one short line.
	Snippet string
}

// Latencies returns the latencies of the samples that got a reply other
// than 429.
func (r *Report) Latencies() []time.Duration {
	var ds []time.Duration
	for _, s := range r.Samples {
		if s.Status != 0 && s.Status != http.StatusTooManyRequests {
			ds = append(ds, s.Latency)
		}
	}
	return ds
}

// Median returns the median of Latencies, and false when there is none.
func (r *Report) Median() (time.Duration, bool) {
	ds := r.Latencies()
	if len(ds) == 0 {
		return 0, false
	}
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2], true
	}
	return (ds[n/2-1] + ds[n/2]) / 2, true
}

// snippetRead is how much of a reply body is read; snippetLen how much of it
// a Report keeps.
const (
	snippetRead = 64 << 10
	snippetLen  = 60
)

// Check connects to ep (TCP, then TLS for https), then sends opt.Samples
// requests with creds, paced by ep's rate limit, each bounded by ep's
// timeout. It returns an error only for a problem of the declaration that
// the network has nothing to do with (an unreadable ca_file); an endpoint
// that cannot be reached, refuses the credentials or answers slowly is a
// Report.
func Check(ctx context.Context, ep *Endpoint, creds Credentials, opt Options) (*Report, error) {
	cfg, err := tlsConfig(ep, opt.Dir)
	if err != nil {
		return nil, err
	}
	if opt.Samples < 1 {
		opt.Samples = 1
	}
	if opt.Clock == nil {
		opt.Clock = RealClock{}
	}
	if opt.MaxRetryAfter <= 0 {
		opt.MaxRetryAfter = 30 * time.Second
	}
	if opt.MaxRetries <= 0 {
		opt.MaxRetries = 3
	}
	secrets := []string{creds.Token, creds.User}
	if ep.Auth == AuthBasic {
		// A server that echoes the Authorization header shows this form.
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(creds.User+":"+creds.Token)))
	}
	r := &Report{Endpoint: ep}
	c := &checker{ep: ep, creds: creds, secrets: secrets, opt: opt, r: r}

	if why := c.connect(ctx, cfg); why != "" {
		r.Outcome = "unreachable: " + c.scrub(why)
		return r, nil
	}

	tr := &http.Transport{
		Proxy:               nil, // the check measures the endpoint, not a proxy
		DialContext:         (&net.Dialer{Timeout: ep.Timeout}).DialContext,
		TLSClientConfig:     cfg,
		TLSHandshakeTimeout: ep.Timeout,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        1,
	}
	defer tr.CloseIdleConnections()
	c.client = &http.Client{
		Transport: tr,
		// A redirect is reported, not followed: following it could carry
		// an API key header to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.sample(ctx)
	c.conclude()
	return r, nil
}

// checker holds the state of one Check.
type checker struct {
	ep      *Endpoint
	creds   Credentials
	secrets []string
	opt     Options
	r       *Report
	client  *http.Client
}

// tlsConfig builds the TLS configuration ep declares.
func tlsConfig(ep *Endpoint, dir string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: ep.URL.Hostname()}
	if !ep.VerifyTLS {
		// Declared in the report and shown in its table.
		cfg.InsecureSkipVerify = true
	}
	if ep.CAFile != "" {
		path := ep.CAFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		pem, err := os.ReadFile(path)
		if err != nil {
			return nil, &FieldError{Key: "apis." + ep.Name + ".ca_file", Msg: err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &FieldError{Key: "apis." + ep.Name + ".ca_file", Msg: fmt.Sprintf("%s holds no PEM certificate", ep.CAFile)}
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// connect opens a TCP connection to the endpoint and, for https, completes a
// TLS handshake, recording the version and the leaf certificate. It returns
// why the endpoint cannot be reached, or "".
func (c *checker) connect(ctx context.Context, cfg *tls.Config) string {
	u := c.ep.URL
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	ctx, cancel := context.WithTimeout(ctx, c.ep.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return "connecting to " + addr + ": " + c.reason(err)
	}
	defer conn.Close()
	if u.Scheme != "https" {
		return ""
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return "TLS handshake with " + addr + ": " + c.reason(err)
	}
	c.recordTLS(tc.ConnectionState())
	return ""
}

// recordTLS notes the TLS version and the leaf certificate.
func (c *checker) recordTLS(st tls.ConnectionState) {
	c.r.TLSVersion = tls.VersionName(st.Version)
	if len(st.PeerCertificates) == 0 {
		return
	}
	leaf := st.PeerCertificates[0]
	c.r.CertNotAfter = leaf.NotAfter
	c.r.CertDays = int(leaf.NotAfter.Sub(c.opt.Clock.Now()).Hours() / 24)
	c.r.CertSubject = leaf.Subject.CommonName
	if c.r.CertSubject == "" && len(leaf.DNSNames) > 0 {
		c.r.CertSubject = leaf.DNSNames[0]
	}
}

// sample sends the timed requests.
func (c *checker) sample(ctx context.Context) {
	lim := NewLimiter(c.ep.RatePerMinute, c.opt.Clock)
	retries := 0
	for done := 0; done < c.opt.Samples; {
		waited, err := lim.Wait(ctx)
		c.r.Waited += waited
		if err != nil {
			c.r.Samples = append(c.r.Samples, Sample{Err: "cancelled: " + err.Error()})
			return
		}
		s, retryAfter, body := c.request(ctx)
		c.r.Samples = append(c.r.Samples, s)
		if s.Status != 0 {
			c.r.Reachable = true
			if s.Status >= 400 {
				c.r.Snippet = c.snippet(body)
			} else {
				c.r.Snippet = ""
			}
		}
		if s.Status != http.StatusTooManyRequests {
			done++
			if s.Status != 0 {
				c.r.Status = s.Status
			}
			if s.Status == 0 && !c.r.Reachable {
				return // the first request got no reply: the others would not either
			}
			continue
		}
		c.r.RateLimited++
		if c.r.Status == 0 {
			c.r.Status = s.Status
		}
		retries++
		if retries > c.opt.MaxRetries {
			return
		}
		if retryAfter > c.opt.MaxRetryAfter {
			return
		}
		if retryAfter > 0 {
			lim.Defer(retryAfter)
		}
	}
}

// request sends one request and times it. It returns the sample, the
// server's Retry-After (0 when absent) and the start of the body.
func (c *checker) request(ctx context.Context) (Sample, time.Duration, []byte) {
	ctx, cancel := context.WithTimeout(ctx, c.ep.Timeout)
	defer cancel()
	method := c.ep.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, c.ep.Target().String(), nil)
	if err != nil {
		return Sample{Err: c.scrub(err.Error())}, 0, nil
	}
	req.Header.Set("User-Agent", "tcpreport-api-check")
	switch c.ep.Auth {
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+c.creds.Token)
	case AuthAPIKey:
		req.Header.Set(c.ep.Header, c.creds.Token)
	case AuthBasic:
		req.SetBasicAuth(c.creds.User, c.creds.Token)
	}
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		return Sample{Latency: time.Since(start), Err: c.scrub(c.reason(err))}, 0, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, snippetRead))
	lat := time.Since(start)
	if err != nil {
		return Sample{Latency: lat, Err: "reading the reply: " + c.scrub(c.reason(err))}, 0, nil
	}
	if resp.TLS != nil && c.r.TLSVersion == "" {
		c.recordTLS(*resp.TLS)
	}
	return Sample{Latency: lat, Status: resp.StatusCode}, retryAfter(resp.Header.Get("Retry-After"), c.opt.Clock.Now()), body
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// conclude writes the outcome from the samples.
func (c *checker) conclude() {
	r := c.r
	failed, why := 0, ""
	for _, s := range r.Samples {
		if s.Status == 0 {
			failed++
			why = s.Err
		}
	}
	if !r.Reachable {
		r.Outcome = "unreachable: " + why
		return
	}
	var out string
	switch st := r.Status; {
	case st == http.StatusTooManyRequests:
		out = "rate limited: HTTP 429 to every request"
		if last := c.lastRetryAfter(); last != "" {
			out += "; " + last
		}
	case st == http.StatusUnauthorized:
		out = "unauthorized: HTTP 401"
		if c.ep.Auth == AuthNone {
			out += ": the API needs credentials (declare auth and token_env)"
		} else {
			out += ": the server refused the credentials in " + strings.Join(c.ep.SecretEnv(), " and ")
		}
	case st == http.StatusForbidden:
		out = "forbidden: HTTP 403"
	case st >= 300 && st < 400:
		out = fmt.Sprintf("redirected: HTTP %d (not followed; point url at the final address)", st)
	case st >= 400:
		out = fmt.Sprintf("HTTP %d %s", st, http.StatusText(st))
	default:
		out = "ok"
	}
	if st := r.Status; st >= 400 && r.Snippet != "" {
		out += fmt.Sprintf(" (reply: %q)", r.Snippet)
	}
	if failed > 0 {
		out += fmt.Sprintf("; %d of %d requests got no reply: %s", failed, len(r.Samples), why)
	}
	if r.RateLimited > 0 && r.Status != http.StatusTooManyRequests {
		out += fmt.Sprintf("; %d requests answered 429 (too many requests)", r.RateLimited)
	}
	if got := len(r.Latencies()); got < c.opt.Samples && r.Status != http.StatusTooManyRequests {
		out += fmt.Sprintf("; %d of %d samples taken", got, c.opt.Samples)
	}
	if !c.ep.VerifyTLS && c.ep.URL.Scheme == "https" {
		out += "; TLS verification off"
	}
	if !r.CertNotAfter.IsZero() && r.CertDays < 0 {
		out += "; certificate expired"
	}
	r.Outcome = c.scrub(out)
}

// lastRetryAfter explains why sampling stopped on 429s.
func (c *checker) lastRetryAfter() string {
	if c.r.RateLimited > c.opt.MaxRetries {
		return fmt.Sprintf("gave up after %d retries", c.opt.MaxRetries)
	}
	return fmt.Sprintf("the server asked to wait longer than %v", c.opt.MaxRetryAfter)
}

// reason says in one line why a request or connection failed, with the fix
// when there is one.
func (c *checker) reason(err error) string {
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
		dnsErr    *net.DNSError
		urlErr    *url.Error
	)
	key := "apis." + c.ep.Name
	switch {
	case errors.As(err, &unknownCA):
		return fmt.Sprintf("TLS: the certificate is signed by an unknown authority (set %s.ca_file to the CA that signed it, or verify_tls: false to check without verification)", key)
	case errors.As(err, &hostErr):
		return fmt.Sprintf("TLS: the certificate is not valid for %s (%s)", c.ep.URL.Hostname(), hostErr.Error())
	case errors.As(err, &invalid):
		return "TLS: the certificate is not valid: " + invalid.Error()
	case errors.As(err, &record):
		return "TLS: the server did not answer in TLS (is the URL http rather than https?)"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no answer within %v (raise %s.timeout)", c.ep.Timeout, key)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host"
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "no such host " + dnsErr.Name
		}
		return "resolving " + dnsErr.Name + ": " + dnsErr.Err
	case errors.As(err, &urlErr):
		return oneLine(urlErr.Err.Error())
	}
	return oneLine(err.Error())
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// scrub replaces every credential in s. The engine redacts secrets too;
// this keeps them out even where its rules would not find them.
func (c *checker) scrub(s string) string {
	for _, sec := range c.secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// snippet cleans the start of a body into one short line without
// credentials; the renderer escapes it as text.
func (c *checker) snippet(body []byte) string {
	s := c.scrub(string(body))
	s = oneLine(s)
	if utf8.RuneCountInString(s) > snippetLen {
		r := []rune(s)
		s = string(r[:snippetLen]) + "…"
	}
	return s
}

// oneLine collapses whitespace and drops control and invalid characters.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
