package main

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIBuildKeepsTokenOut builds a report whose {api} block checks a TLS
// server on 127.0.0.1 with a bearer token from the environment, and looks
// for the token in the store and the rendered report.
func TestAPIBuildKeepsTokenOut(t *testing.T) {
	const token = "tok-e2e-91b2c3d4e5f6a7"
	t.Setenv("TCPREPORT_ECHO_TOKEN", token)
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An echoing server: the token comes back in the body.
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
		}
		fmt.Fprintf(w, "you sent %s", r.Header.Get("Authorization"))
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	defer s.Close()

	src := "---\ntitle: API\napis:\n  echo: {url: " + s.URL + ", auth: bearer, token_env: TCPREPORT_ECHO_TOKEN, ca_file: ca.pem}\n---\n\n" +
		"```{api} api-check\n:samples: 3\n```\n\nStatus {val}`api-check.echo_status`.\n"
	report, dbPath, out := project(t, src)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(filepath.Dir(report), "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	if sum := buildJSON(t, report); sum.Executed != 1 {
		t.Errorf("build: %+v", sum)
	}
	md, err := os.ReadFile(filepath.Join(out, "small", "small.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Status 200.", "| echo | https\\://" + strings.TrimPrefix(s.URL, "https://") + " | bearer | 200 |", "| outcome | ok |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{dbPath, filepath.Join(out, "small", "small.md"), filepath.Join(out, "small", "small.html")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("%s contains the token", f)
		}
	}
	if sum := buildJSON(t, report); sum.Executed != 0 {
		t.Errorf("second build re-ran: %+v", sum)
	}
}
