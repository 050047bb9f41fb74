// Package api checks live HTTP APIs declared in a report's front matter:
// whether they answer, with what status, how fast, over which TLS version
// and with how long left on their certificate, honouring each API's
// declared rate limit and never revealing its credentials.
package api

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Auth types.
const (
	AuthNone   = "none"    // no credentials are sent
	AuthBearer = "bearer"  // Authorization: Bearer <token_env>
	AuthAPIKey = "api_key" // <header>: <token_env>
	AuthBasic  = "basic"   // Authorization: Basic <user_env>:<token_env>
)

// Defaults of the optional settings.
const (
	DefaultTimeout = 10 * time.Second
	DefaultHeader  = "X-API-Key"
)

// Settings lists the setting names an API declaration may hold, sorted.
var Settings = []string{"auth", "ca_file", "header", "rate_per_minute", "request", "timeout", "token_env", "url", "user_env", "verify_tls"}

// Endpoint is one API declared under the front matter's apis: key, checked
// and converted. It holds the names of the environment variables that carry
// its credentials, never their values.
type Endpoint struct {
	// Name is the key under apis:.
	Name string
	// URL is the base URL; it never holds credentials.
	URL *url.URL
	// Auth is AuthNone, AuthBearer, AuthAPIKey or AuthBasic.
	Auth string
	// TokenEnv names the variable holding the bearer token, the API key or
	// the basic-auth password; UserEnv the basic-auth user name.
	TokenEnv, UserEnv string
	// Header is the header that carries an api_key.
	Header string
	// RatePerMinute is the most requests a minute the check may send;
	// 0 means no limit was declared.
	RatePerMinute float64
	// Timeout bounds each request, connection and TLS handshake included.
	Timeout time.Duration
	// VerifyTLS is false when the declaration turns certificate
	// verification off.
	VerifyTLS bool
	// CAFile, relative to the report, holds PEM certificates to trust
	// instead of the system's roots.
	CAFile string
	// Method and Path are the declared request ("GET /v1/models"); without
	// one the check sends GET to URL itself.
	Method, Path string
}

// FieldError is a problem with one setting of one API declaration. Key is
// the front matter key, e.g. "apis.echo.auth".
type FieldError struct {
	Key string
	Msg string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// Parse checks the settings of the API declared as name and returns its
// Endpoint. Every problem is reported, as a *FieldError each, joined with
// errors.Join in the order of the setting names.
func Parse(name string, settings map[string]string) (*Endpoint, error) {
	ep := &Endpoint{Name: name, Auth: AuthNone, Header: DefaultHeader, Timeout: DefaultTimeout, VerifyTLS: true}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: "apis." + name + "." + key, Msg: fmt.Sprintf(format, args...)})
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := strings.TrimSpace(settings[k])
		switch k {
		case "url":
			u, msg := parseURL(v)
			if msg != "" {
				bad(k, "%s", msg)
				continue
			}
			ep.URL = u
		case "auth":
			switch v {
			case AuthNone, AuthBearer, AuthAPIKey, AuthBasic:
				ep.Auth = v
			default:
				bad(k, "%q is not an auth type (use bearer, api_key or basic)", v)
				ep.Auth = "" // unknown: the checks below that depend on it are moot
			}
		case "token_env", "user_env":
			if !isEnvName(v) {
				bad(k, "%q is not an environment variable name (use letters, digits and '_', e.g. ECHO_TOKEN)", v)
				continue
			}
			if k == "token_env" {
				ep.TokenEnv = v
			} else {
				ep.UserEnv = v
			}
		case "header":
			if !isToken(v) {
				bad(k, "%q is not a header name (e.g. X-API-Key)", v)
				continue
			}
			ep.Header = v
		case "rate_per_minute":
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || r <= 0 || r > 60000 {
				bad(k, "%q is not a rate (use a number of requests per minute above 0, e.g. 60)", v)
				continue
			}
			ep.RatePerMinute = r
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				bad(k, "%q is not a positive duration (use 500ms, 5s, 1m)", v)
				continue
			}
			ep.Timeout = d
		case "verify_tls":
			switch strings.ToLower(v) {
			case "true", "yes", "on":
				ep.VerifyTLS = true
			case "false", "no", "off":
				ep.VerifyTLS = false
			default:
				bad(k, "%q is not a boolean (use true or false)", v)
			}
		case "ca_file":
			if v == "" {
				bad(k, "write the path of a PEM file, relative to the report")
				continue
			}
			ep.CAFile = v
		case "request":
			m, p, msg := parseRequest(v)
			if msg != "" {
				bad(k, "%s", msg)
				continue
			}
			ep.Method, ep.Path = m, p
		default:
			bad(k, "unknown setting (known: %s)", strings.Join(Settings, ", "))
		}
	}
	if _, ok := settings["url"]; !ok {
		bad("url", "missing: every API needs a url, e.g. url: https://api.example.com")
	}
	if ep.Auth != AuthNone && ep.Auth != "" && ep.TokenEnv == "" && !has(settings, "token_env") {
		bad("token_env", "missing: auth %s needs the name of the environment variable that holds the secret, e.g. token_env: %s_TOKEN",
			ep.Auth, strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
	}
	if ep.Auth == AuthBasic && ep.UserEnv == "" && !has(settings, "user_env") {
		bad("user_env", "missing: auth basic needs the name of the environment variable that holds the user name")
	}
	if ep.Auth == AuthNone {
		for _, k := range []string{"token_env", "user_env"} {
			if has(settings, k) {
				bad(k, "set, but no auth type is declared (add auth: bearer, api_key or basic)")
			}
		}
	}
	if ep.Auth != AuthAPIKey && ep.Auth != "" && has(settings, "header") {
		bad("header", "only auth api_key sends a header of its own (add auth: api_key, or remove header)")
	}
	if ep.URL != nil && ep.URL.Scheme != "https" {
		for _, k := range []string{"ca_file", "verify_tls"} {
			if has(settings, k) {
				bad(k, "applies to https URLs only, and url is %s", ep.URL.Scheme)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ep, nil
}

func has(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// parseURL checks a base URL: absolute http(s), with a host, and without
// credentials, which belong in the environment.
func parseURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return nil, fmt.Sprintf("%q is not a URL (e.g. https://api.example.com)", redactURL(s))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Sprintf("%q is not an http or https URL (e.g. https://api.example.com)", redactURL(s))
	}
	if u.Host == "" {
		return nil, fmt.Sprintf("%q has no host (e.g. https://api.example.com)", redactURL(s))
	}
	if u.User != nil {
		return nil, "holds credentials: remove them from the URL and name the environment variables that hold them with auth, user_env and token_env"
	}
	if u.Fragment != "" {
		return nil, fmt.Sprintf("%q has a fragment (#...): remove it", u.Redacted())
	}
	return u, ""
}

// redactURL removes what may be credentials from a string that did not parse
// as a URL: everything between "//" and an "@".
func redactURL(s string) string {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		start := strings.Index(s, "//")
		if start < 0 || start > i {
			start = -2
		}
		return s[:start+2] + "[credentials removed]@" + s[i+1:]
	}
	return s
}

// safeMethods are the methods a check may send: none of them changes the
// service.
var safeMethods = []string{"GET", "HEAD", "OPTIONS"}

// parseRequest checks a declared request, "METHOD /path?query".
func parseRequest(s string) (method, path, msg string) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return "", "", fmt.Sprintf("%q is not a request (write METHOD PATH, e.g. GET /v1/models)", s)
	}
	method = strings.ToUpper(f[0])
	if !slices.Contains(safeMethods, method) {
		return "", "", fmt.Sprintf("%s is not allowed (use GET, HEAD or OPTIONS: a check must not change the service)", f[0])
	}
	path = f[1]
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || u.Scheme != "" || u.Host != "" {
		return "", "", fmt.Sprintf("%q is not a path on the API's host (write one starting with /, e.g. /v1/models)", path)
	}
	return method, path, ""
}

// Target returns the URL the check requests: the declared request's path
// resolved against URL (RFC 3986: /v1/models replaces URL's path), or URL.
func (ep *Endpoint) Target() *url.URL {
	if ep.Path == "" {
		return ep.URL
	}
	ref, _ := url.Parse(ep.Path) // checked by Parse
	return ep.URL.ResolveReference(ref)
}

// Request returns the declared request as written, "GET /v1/models", or
// "GET <URL path>" when none was declared.
func (ep *Endpoint) Request() string {
	if ep.Method == "" {
		p := ep.URL.EscapedPath()
		if p == "" {
			p = "/"
		}
		return "GET " + p
	}
	return ep.Method + " " + ep.Path
}

// SecretEnv returns the names of the environment variables that hold this
// endpoint's credentials.
func (ep *Endpoint) SecretEnv() []string {
	var names []string
	if ep.TokenEnv != "" {
		names = append(names, ep.TokenEnv)
	}
	if ep.UserEnv != "" {
		names = append(names, ep.UserEnv)
	}
	return names
}

func isEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isToken reports whether s is an HTTP token (RFC 9110), as header names are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 0x7e || c <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}
