package directives

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpreport/tcpreport/engine"
)

// apiSecret is the token the test server accepts; it must appear nowhere in
// a Result.
const apiSecret = "tok-directive-4e5f6a7b8c9d"

// apiServer starts a TLS server on 127.0.0.1 that wants apiSecret as a
// bearer token, echoing a refused one, and writes its certificate into dir
// as ca.pem.
func apiServer(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+apiSecret {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "bad token %s", got)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"echo":%q}`, r.Header.Get("Authorization"))
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// refusedURL returns an https URL on 127.0.0.1 where nothing listens.
func refusedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "https://" + l.Addr().String()
}

func runAPI(t *testing.T, env map[string]string, apis map[string]map[string]string, vals map[string]string, dir string) (*engine.Result, error) {
	t.Helper()
	d := &API{lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	req := &engine.Request{ID: "api-check", Opts: options(t, d, vals), Dir: dir, APIs: apis}
	return d.Run(context.Background(), req)
}

// noAPISecret fails when a credential appears anywhere in res or err.
func noAPISecret(t *testing.T, res *engine.Result, err error, secrets ...string) {
	t.Helper()
	b, _ := json.Marshal(res)
	s := string(b) + fmt.Sprint(err)
	if res != nil {
		s += fmt.Sprint(res.Series) // Series values are not in the JSON
	}
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("credential %s appears in the result: %s", sec, s)
		}
	}
}

func TestAPI(t *testing.T) {
	dir := t.TempDir()
	s := apiServer(t, dir)
	down := refusedURL(t)
	good := map[string]string{"url": s.URL, "auth": "bearer", "token_env": "ECHO_TOKEN", "ca_file": "ca.pem",
		"request": "GET /v1/models", "rate_per_minute": "6000"}
	env := map[string]string{"ECHO_TOKEN": apiSecret, "WRONG_TOKEN": "tok-not-the-right-one"}

	t.Run("none declared", func(t *testing.T) {
		res, err := runAPI(t, env, nil, nil, dir)
		if err != nil {
			t.Fatal(err)
		}
		if want := "no API endpoints declared (declare them under apis: in the front matter)"; res.NotAvailable != want {
			t.Errorf("NotAvailable = %q, want %q", res.NotAvailable, want)
		}
	})

	t.Run("mixed", func(t *testing.T) {
		apis := map[string]map[string]string{
			"echo":   good,
			"wrong":  {"url": s.URL, "auth": "bearer", "token_env": "WRONG_TOKEN", "ca_file": "ca.pem"},
			"down":   {"url": down, "timeout": "2s"},
			"nokey":  {"url": s.URL, "auth": "bearer", "token_env": "UNSET_TOKEN", "ca_file": "ca.pem"},
			"loose":  {"url": s.URL, "auth": "bearer", "token_env": "ECHO_TOKEN", "verify_tls": "false"},
			"unused": {"url": down},
		}
		res, err := runAPI(t, env, apis, map[string]string{"apis": "echo, wrong, down, nokey, loose", "samples": "3"}, dir)
		noAPISecret(t, res, err, apiSecret, "tok-not-the-right-one")
		if err != nil {
			t.Fatal(err)
		}
		if res.NotAvailable != "" {
			t.Errorf("NotAvailable = %q", res.NotAvailable)
		}
		sum := res.Tables[0]
		if sum.Name != "endpoints" || len(sum.Rows) != 5 || len(res.Tables) != 6 {
			t.Fatalf("tables: %+v", res.Tables)
		}
		host := strings.TrimPrefix(s.URL, "https://")
		want := [][]string{
			{"echo", s.URL, "bearer", "200", "*", "TLS 1.3", "*", "ok"},
			{"wrong", s.URL, "bearer", "401", "*", "TLS 1.3", "*",
				`unauthorized: HTTP 401: the server refused the credentials in WRONG_TOKEN (reply: "bad token Bearer [redacted]")`},
			{"down", down, "none", "—", "—", "—", "—",
				"unreachable: connecting to " + strings.TrimPrefix(down, "https://") + ": connection refused"},
			{"nokey", s.URL, "bearer", "—", "—", "—", "—",
				"not checked: apis.nokey.token_env: the environment variable UNSET_TOKEN is not set (export it before building)"},
			{"loose", s.URL, "bearer", "200", "*", "TLS 1.3 (not verified)", "*", "ok; TLS verification off"},
		}
		for i, w := range want {
			for j, cell := range w {
				if got := sum.Rows[i][j]; cell != "*" && got != cell {
					t.Errorf("row %d (%s) column %q = %q, want %q", i, w[0], sum.Columns[j], got, cell)
				}
			}
		}
		if len(res.Series) != 3 || res.Series[0].Name != "echo-latency" || len(res.Series[0].Values) != 3 || res.Series[0].Unit != "ms" {
			t.Errorf("series: %+v", res.Series)
		}
		if len(res.Figures) != 1 || len(res.Figures[0].Series) != 3 {
			t.Errorf("figures: %+v", res.Figures)
		}
		if v := res.Values["echo_status"]; v.Num != 200 {
			t.Errorf("echo_status = %+v", v)
		}
		if v := res.Values["echo_median_ms"]; v.Num <= 0 || v.Unit != "ms" {
			t.Errorf("echo_median_ms = %+v", v)
		}
		if v := res.Values["reachable"]; v.Num != 3 {
			t.Errorf("reachable = %+v", v)
		}
		warn := strings.Join(res.Warnings, "\n")
		for _, w := range []string{"UNSET_TOKEN is not set", "apis.loose: TLS verification was off (verify_tls: false): the certificate of " + host + " was not checked."} {
			if !strings.Contains(warn, w) {
				t.Errorf("warnings %q lack %q", warn, w)
			}
		}
		detail := res.Tables[1]
		if detail.Name != "api-echo" {
			t.Fatalf("detail table %s", detail.Name)
		}
		rows := map[string]string{}
		for _, r := range detail.Rows {
			rows[r[0]] = r[1]
		}
		for q, v := range map[string]string{
			"request":          "GET /v1/models",
			"authentication":   "bearer (secret from ECHO_TOKEN)",
			"TLS verification": "on, against the CA in ca.pem",
			"rate limit":       "6000 a minute: requests at least 10ms apart",
			"statuses":         "200 ×3",
			"timed replies":    "3 of 3 asked",
		} {
			if rows[q] != v {
				t.Errorf("detail %q = %q, want %q", q, rows[q], v)
			}
		}
	})

	t.Run("all unreachable", func(t *testing.T) {
		apis := map[string]map[string]string{"down": {"url": down}}
		res, err := runAPI(t, env, apis, nil, dir)
		if err != nil {
			t.Fatal(err)
		}
		want := "no declared API endpoint answered: down: unreachable: connecting to " + strings.TrimPrefix(down, "https://") + ": connection refused"
		if res.NotAvailable != want {
			t.Errorf("NotAvailable = %q, want %q", res.NotAvailable, want)
		}
		if len(res.Tables) != 2 || len(res.Series) != 0 || len(res.Figures) != 0 {
			t.Errorf("result: %+v", res)
		}
	})

}

func TestAPIErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		apis map[string]map[string]string
		vals map[string]string
		want string
	}{
		{"undeclared", map[string]map[string]string{"echo": {"url": "https://127.0.0.1:1"}}, map[string]string{"apis": "echo, nope"},
			`apis: "nope" is not declared in the front matter (declared: echo)`},
		{"bad auth", map[string]map[string]string{"echo": {"url": "https://127.0.0.1:1", "auth": "oauth"}}, nil,
			`apis.echo.auth: "oauth" is not an auth type (use bearer, api_key or basic)`},
		{"token env not redacted", map[string]map[string]string{"echo": {"url": "https://127.0.0.1:1", "auth": "bearer", "token_env": "ECHO_PW"}}, nil,
			`apis.echo.token_env: "ECHO_PW" does not mark a secret, so its value would not be redacted everywhere: name it with TOKEN, KEY, SECRET or PASSWORD (e.g. ECHO_TOKEN)`},
		{"key in query", map[string]map[string]string{"echo": {"url": "https://127.0.0.1:1/?api_key=abc"}}, nil,
			`apis.echo: the query parameter "api_key" looks like a credential, and the front matter must hold none: send it with auth: api_key and token_env`},
		{"samples", map[string]map[string]string{"echo": {"url": "https://127.0.0.1:1"}}, map[string]string{"samples": "0"},
			"samples: 0 is out of range (use 1 to 100)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runAPI(t, nil, tt.apis, tt.vals, dir)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestAPIState(t *testing.T) {
	env := map[string]string{}
	d := &API{lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	apis := map[string]map[string]string{
		"echo":  {"url": "https://127.0.0.1:1", "auth": "bearer", "token_env": "ECHO_TOKEN"},
		"other": {"url": "https://127.0.0.1:2"},
	}
	opts := options(t, d, map[string]string{"apis": "echo"})
	before := d.APIState(opts, apis)
	apis["other"]["url"] = "https://127.0.0.1:3"
	if got := d.APIState(opts, apis); got != before {
		t.Errorf("an API not checked changed the state:\n%s\n%s", before, got)
	}
	env["ECHO_TOKEN"] = apiSecret
	set := d.APIState(opts, apis)
	if set == before || strings.Contains(set, apiSecret) {
		t.Errorf("state with the token set: %q (before %q)", set, before)
	}
	apis["echo"]["timeout"] = "1s"
	if got := d.APIState(opts, apis); got == set {
		t.Errorf("a new setting left the state as it was: %q", got)
	}
}
