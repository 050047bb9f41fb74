package api

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	ok := map[string]string{"url": "https://127.0.0.1:8443/api", "auth": "bearer", "token_env": "ECHO_TOKEN",
		"rate_per_minute": "120", "timeout": "5s", "request": "GET /v1/models?limit=1"}
	ep, err := Parse("echo", ok)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Auth != AuthBearer || ep.TokenEnv != "ECHO_TOKEN" || ep.RatePerMinute != 120 || ep.Timeout != 5*time.Second ||
		!ep.VerifyTLS || ep.Method != "GET" || ep.Path != "/v1/models?limit=1" {
		t.Errorf("Parse = %+v", ep)
	}
	if got, want := ep.Target().String(), "https://127.0.0.1:8443/v1/models?limit=1"; got != want {
		t.Errorf("Target = %s, want %s", got, want)
	}
	if got := ep.Request(); got != "GET /v1/models?limit=1" {
		t.Errorf("Request = %s", got)
	}

	def, err := Parse("plain", map[string]string{"url": "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if def.Auth != AuthNone || def.Timeout != DefaultTimeout || def.Header != DefaultHeader || def.Request() != "GET /" {
		t.Errorf("defaults = %+v, request %s", def, def.Request())
	}

	tests := []struct {
		name     string
		settings map[string]string
		want     []string
	}{
		{"bad auth", map[string]string{"url": "https://h", "auth": "oauth", "token_env": "ECHO_TOKEN", "header": "X-Key"},
			[]string{`apis.echo.auth: "oauth" is not an auth type (use bearer, api_key or basic)`}},
		{"no url", map[string]string{},
			[]string{"apis.echo.url: missing: every API needs a url, e.g. url: https://api.example.com"}},
		{"credentials in url", map[string]string{"url": "https://me:hunter22@h/"},
			[]string{"apis.echo.url: holds credentials: remove them from the URL"}},
		{"unparsable url with credentials", map[string]string{"url": "https://me:hunter22@h:port/"},
			[]string{`apis.echo.url: "https://[credentials removed]@h:port/" is not a URL`}},
		{"ftp", map[string]string{"url": "ftp://h/"}, []string{`apis.echo.url: "ftp://h/" is not an http or https URL`}},
		{"token missing", map[string]string{"url": "https://h", "auth": "bearer"},
			[]string{"apis.echo.token_env: missing: auth bearer needs the name of the environment variable that holds the secret, e.g. token_env: ECHO_TOKEN"}},
		{"basic without user", map[string]string{"url": "https://h", "auth": "basic", "token_env": "ECHO_PASSWORD"},
			[]string{"apis.echo.user_env: missing: auth basic needs"}},
		{"token without auth", map[string]string{"url": "https://h", "token_env": "ECHO_TOKEN"},
			[]string{"apis.echo.token_env: set, but no auth type is declared (add auth: bearer, api_key or basic)"}},
		{"bad env name", map[string]string{"url": "https://h", "auth": "bearer", "token_env": "echo token"},
			[]string{`apis.echo.token_env: "echo token" is not an environment variable name`}},
		{"header without api_key", map[string]string{"url": "https://h", "auth": "bearer", "token_env": "T_TOKEN", "header": "X-Key"},
			[]string{"apis.echo.header: only auth api_key sends a header of its own"}},
		{"bad numbers", map[string]string{"url": "https://h", "rate_per_minute": "0", "timeout": "5", "verify_tls": "maybe"},
			[]string{
				`apis.echo.rate_per_minute: "0" is not a rate`,
				`apis.echo.timeout: "5" is not a positive duration (use 500ms, 5s, 1m)`,
				`apis.echo.verify_tls: "maybe" is not a boolean (use true or false)`,
			}},
		{"unsafe method", map[string]string{"url": "https://h", "request": "POST /v1/chat"},
			[]string{"apis.echo.request: POST is not allowed (use GET, HEAD or OPTIONS: a check must not change the service)"}},
		{"request to another host", map[string]string{"url": "https://h", "request": "GET //evil.example/x"},
			[]string{`apis.echo.request: "//evil.example/x" is not a path on the API's host`}},
		{"request not two words", map[string]string{"url": "https://h", "request": "/v1/models"},
			[]string{`apis.echo.request: "/v1/models" is not a request (write METHOD PATH, e.g. GET /v1/models)`}},
		{"tls on http", map[string]string{"url": "http://h", "verify_tls": "false"},
			[]string{"apis.echo.verify_tls: applies to https URLs only, and url is http"}},
		{"unknown setting", map[string]string{"url": "https://h", "token": "abc"},
			[]string{"apis.echo.token: unknown setting (known: auth, ca_file, header, rate_per_minute, request, timeout, token_env, url, user_env, verify_tls)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("echo", tt.settings)
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("errors:\n%v\nwant %d", err, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
				}
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestReadCredentials(t *testing.T) {
	ep, err := Parse("b", map[string]string{"url": "https://h", "auth": "basic", "user_env": "B_USER", "token_env": "B_PASSWORD"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"B_USER": "alice", "B_PASSWORD": "s3cret-pass"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c, err := ep.ReadCredentials(lookup)
	if err != nil || c.User != "alice" || c.Token != "s3cret-pass" {
		t.Errorf("ReadCredentials = %+v, %v", c, err)
	}
	delete(env, "B_PASSWORD")
	_, err = ep.ReadCredentials(lookup)
	if want := "apis.b.token_env: the environment variable B_PASSWORD is not set (export it before building)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("https://127.0.0.1:8443/x", "bearer", "GET /v1", "5s", "60")
	f.Add("http://[::1]:80", "basic", "HEAD /", "1m", "0.5")
	f.Fuzz(func(t *testing.T, u, auth, req, timeout, rate string) {
		ep, err := Parse("f", map[string]string{"url": u, "auth": auth, "request": req, "timeout": timeout,
			"rate_per_minute": rate, "token_env": "F_TOKEN", "user_env": "F_USER"})
		if err != nil {
			return
		}
		if ep.URL.User != nil {
			t.Fatalf("credentials kept in %s", ep.URL)
		}
		if tg := ep.Target(); tg.Host != ep.URL.Host || tg.Scheme != ep.URL.Scheme {
			t.Fatalf("Target %s leaves %s", tg, ep.URL)
		}
	})
}
