package directives

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tcpreport/tcpreport/engine"
	"github.com/tcpreport/tcpreport/engine/api"
)

// maxAPISamples bounds :samples:: a check, not a load test.
const maxAPISamples = 100

// API is the {api} directive: it checks the live APIs declared under the
// front matter's apis: key — reachability, status, latency, TLS version and
// certificate expiry — honouring each one's declared rate limit.
type API struct {
	lookup func(string) (string, bool)
	clock  api.Clock
}

// NewAPI returns the {api} directive, reading credentials from the
// process environment.
func NewAPI() *API { return &API{lookup: os.LookupEnv} }

// Kind returns "api".
func (*API) Kind() string { return "api" }

// Version returns the implementation version.
func (*API) Version() int { return 1 }

// Options declares which APIs to check and how many requests to time.
func (*API) Options() []engine.OptionSpec {
	return []engine.OptionSpec{
		{Name: "apis", Type: engine.List,
			Help: "names of APIs declared under apis: in the front matter, comma-separated (default: all declared)"},
		{Name: "samples", Type: engine.Int, Default: "5",
			Help: "timed requests per API, 1 to " + strconv.Itoa(maxAPISamples) + "; the median latency is over them"},
	}
}

// RunsAlone keeps other directives from disturbing the latencies.
func (*API) RunsAlone() {}

// APIState summarises the checked declarations and whether their
// credential variables are set (never their values), so that editing an
// endpoint, or exporting its token, re-runs the check.
func (a *API) APIState(opts engine.Options, apis map[string]map[string]string) string {
	var b strings.Builder
	for _, name := range selectedAPIs(opts, apis) {
		settings := apis[name]
		fmt.Fprintf(&b, "%s:", name)
		for _, k := range slices.Sorted(maps.Keys(settings)) {
			fmt.Fprintf(&b, " %s=%q", k, settings[k])
		}
		for _, k := range []string{"token_env", "user_env"} {
			if env := settings[k]; env != "" {
				_, set := a.lookup(env)
				fmt.Fprintf(&b, " %s-set=%v", env, set)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// selected returns the names :apis: asks for, or every declared one, sorted.
func selectedAPIs(opts engine.Options, apis map[string]map[string]string) []string {
	if names := opts.List("apis"); len(names) > 0 {
		return names
	}
	return slices.Sorted(maps.Keys(apis))
}

// Run checks each selected API in turn.
func (a *API) Run(ctx context.Context, req *engine.Request) (*engine.Result, error) {
	samples := req.Opts.Int("samples")
	if samples < 1 || samples > maxAPISamples {
		return nil, fmt.Errorf("samples: %d is out of range (use 1 to %d)", samples, maxAPISamples)
	}
	names := selectedAPIs(req.Opts, req.APIs)
	if len(names) == 0 {
		return &engine.Result{NotAvailable: "no API endpoints declared (declare them under apis: in the front matter)"}, nil
	}
	eps, err := a.endpoints(names, req.APIs)
	if err != nil {
		return nil, err
	}

	res := &engine.Result{Values: map[string]engine.Value{}}
	summary := engine.Table{Name: "endpoints",
		Caption: fmt.Sprintf("Live API checks: %d timed requests per endpoint, median latency over the replies other than 429, within each endpoint's declared rate limit. The first request to each opens a new connection; the others reuse it.", samples),
		Columns: []string{"API", "URL", "auth", "status", "median latency (ms)", "TLS", "certificate expires in (days)", "outcome"}}
	box := engine.Figure{Name: "latency", Kind: engine.Box, YLabel: "latency (ms)",
		Caption: "Latency of each timed request, by API."}
	reachable := 0
	var down []string
	for _, ep := range eps {
		rep, note, err := a.check(ctx, ep, samples, req.Dir)
		if err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("api %s: %w", ep.Name, ctx.Err())
		}
		if note != "" {
			res.Warnings = append(res.Warnings, note)
		}
		if rep.Reachable {
			reachable++
		} else {
			down = append(down, ep.Name+": "+rep.Outcome)
		}
		summary.Rows = append(summary.Rows, apiSummaryRow(rep))
		res.Tables = append(res.Tables, apiDetailTable(rep, samples))
		ms := apiMillis(rep.Latencies())
		if len(ms) > 0 {
			res.Series = append(res.Series, engine.Series{Name: ep.Name + "-latency", Unit: "ms", Values: ms})
			box.Series = append(box.Series, engine.FigureData{Name: ep.Name, Y: ms})
		}
		apiValues(res.Values, rep)
		if !ep.VerifyTLS && ep.URL.Scheme == "https" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("apis.%s: TLS verification was off (verify_tls: false): the certificate of %s was not checked.", ep.Name, ep.URL.Host))
		}
	}
	res.Tables = append([]engine.Table{summary}, res.Tables...)
	if len(box.Series) > 0 {
		res.Figures = []engine.Figure{box}
	}
	res.Values["endpoints"] = engine.Num(float64(len(eps)), "")
	res.Values["reachable"] = engine.Num(float64(reachable), "")
	if reachable == 0 {
		res.NotAvailable = "no declared API endpoint answered: " + strings.Join(down, "; ")
	}
	return res, nil
}

// endpoints parses the declarations of names, reporting every problem.
func (a *API) endpoints(names []string, apis map[string]map[string]string) ([]*api.Endpoint, error) {
	var errs []error
	var eps []*api.Endpoint
	declared := slices.Sorted(maps.Keys(apis))
	for _, name := range names {
		settings, ok := apis[name]
		if !ok {
			list := strings.Join(declared, ", ")
			if list == "" {
				list = "none"
			}
			errs = append(errs, fmt.Errorf("apis: %q is not declared in the front matter (declared: %s)", name, list))
			continue
		}
		ep, err := api.Parse(name, settings)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// The engine redacts the values of variables whose names mark
		// secrets; a token in any other variable could reach the store.
		if ep.TokenEnv != "" && !engine.IsSecretName(ep.TokenEnv) {
			errs = append(errs, fmt.Errorf("apis.%s.token_env: %q does not mark a secret, so its value would not be redacted everywhere: name it with TOKEN, KEY, SECRET or PASSWORD (e.g. %s_TOKEN)",
				name, ep.TokenEnv, strings.ToUpper(strings.ReplaceAll(name, "-", "_"))))
			continue
		}
		if k := secretQuery(ep); k != "" {
			errs = append(errs, fmt.Errorf("apis.%s: the query parameter %q looks like a credential, and the front matter must hold none: send it with auth: api_key and token_env", name, k))
			continue
		}
		eps = append(eps, ep)
	}
	return eps, errors.Join(errs...)
}

// secretQuery returns the first query parameter of ep's URL or request
// whose name marks a secret (?api_key=...), or "".
func secretQuery(ep *api.Endpoint) string {
	for _, q := range []url.Values{ep.URL.Query(), ep.Target().Query()} {
		for _, k := range slices.Sorted(maps.Keys(q)) {
			if engine.IsSecretName(k) {
				return k
			}
		}
	}
	return ""
}

// check reads ep's credentials and checks it. Missing credentials are an
// outcome with a warning, so that a report builds where they are not set
// and says so.
func (a *API) check(ctx context.Context, ep *api.Endpoint, samples int, dir string) (*api.Report, string, error) {
	creds, err := ep.ReadCredentials(a.lookup)
	if err != nil {
		return &api.Report{Endpoint: ep, Outcome: "not checked: " + err.Error()}, err.Error() + ".", nil
	}
	rep, err := api.Check(ctx, ep, creds, api.Options{Samples: samples, Dir: dir, Clock: a.clock})
	return rep, "", err
}

func apiSummaryRow(r *api.Report) []string {
	ep := r.Endpoint
	status, median, days := "—", "—", "—"
	if r.Status != 0 {
		status = strconv.Itoa(r.Status)
	}
	if m, ok := r.Median(); ok {
		median = apiMS(m)
	}
	tlsv := r.TLSVersion
	switch {
	case ep.URL.Scheme == "http":
		tlsv = "none (http)"
	case tlsv == "":
		tlsv = "—"
	case !ep.VerifyTLS:
		tlsv += " (not verified)"
	}
	if !r.CertNotAfter.IsZero() {
		days = strconv.Itoa(r.CertDays)
	}
	return []string{ep.Name, ep.URL.String(), ep.Auth, status, median, tlsv, days, r.Outcome}
}

// detailTable lists what the check of one endpoint found.
func apiDetailTable(r *api.Report, samples int) engine.Table {
	ep := r.Endpoint
	t := engine.Table{Name: "api-" + ep.Name,
		Caption: fmt.Sprintf("API %s: the check in detail.", ep.Name),
		Columns: []string{"quantity", "value"}}
	row := func(q, v string) { t.Rows = append(t.Rows, []string{q, v}) }
	row("URL", ep.URL.String())
	row("request", ep.Request())
	auth := ep.Auth
	switch ep.Auth {
	case api.AuthBearer, api.AuthAPIKey:
		auth += " (secret from " + ep.TokenEnv + ")"
		if ep.Auth == api.AuthAPIKey {
			auth += " in header " + ep.Header
		}
	case api.AuthBasic:
		auth += " (user from " + ep.UserEnv + ", password from " + ep.TokenEnv + ")"
	}
	row("authentication", auth)
	switch {
	case ep.URL.Scheme == "http":
		row("TLS verification", "none: plain http")
	case !ep.VerifyTLS:
		row("TLS verification", "off (verify_tls: false)")
	case ep.CAFile != "":
		row("TLS verification", "on, against the CA in "+ep.CAFile)
	default:
		row("TLS verification", "on, against the system's roots")
	}
	if ep.RatePerMinute > 0 {
		row("rate limit", fmt.Sprintf("%g a minute: requests at least %v apart", ep.RatePerMinute, api.NewLimiter(ep.RatePerMinute, nil).Interval()))
	} else {
		row("rate limit", "none declared")
	}
	row("timeout per request", ep.Timeout.String())
	lat := r.Latencies()
	row("timed replies", fmt.Sprintf("%d of %d asked", len(lat), samples))
	row("statuses", apiStatuses(r.Samples))
	if m, ok := r.Median(); ok {
		row("median latency (ms)", apiMS(m))
		row("fastest, slowest (ms)", apiMS(slices.Min(lat))+", "+apiMS(slices.Max(lat)))
	}
	row("answers 429 (too many requests)", strconv.Itoa(r.RateLimited))
	row("time waited for the rate limit and Retry-After", r.Waited.Round(time.Millisecond).String())
	if r.TLSVersion != "" {
		row("TLS version", r.TLSVersion)
	}
	if !r.CertNotAfter.IsZero() {
		row("certificate", fmt.Sprintf("%s, valid until %s (%d days)", r.CertSubject, r.CertNotAfter.UTC().Format(time.DateOnly), r.CertDays))
	}
	row("outcome", r.Outcome)
	return t
}

// statuses counts the samples by status: "200 ×4, 429 ×1, no reply ×1".
func apiStatuses(ss []api.Sample) string {
	count := map[int]int{}
	for _, s := range ss {
		count[s.Status]++
	}
	var parts []string
	for _, st := range slices.Sorted(maps.Keys(count)) {
		name := strconv.Itoa(st)
		if st == 0 {
			name = "no reply"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, count[st]))
	}
	if len(parts) == 0 {
		return "no request sent"
	}
	return strings.Join(parts, ", ")
}

// values adds NAME_status, NAME_median_ms, NAME_cert_days and NAME_outcome.
func apiValues(vs map[string]engine.Value, r *api.Report) {
	n := r.Endpoint.Name
	vs[n+"_outcome"] = engine.Text(r.Outcome)
	if r.Status != 0 {
		vs[n+"_status"] = engine.Num(float64(r.Status), "")
	}
	if m, ok := r.Median(); ok {
		vs[n+"_median_ms"] = engine.Num(float64(m)/float64(time.Millisecond), "ms")
	}
	if !r.CertNotAfter.IsZero() {
		vs[n+"_cert_days"] = engine.Num(float64(r.CertDays), "days")
	}
	if r.TLSVersion != "" {
		vs[n+"_tls"] = engine.Text(r.TLSVersion)
	}
}

func apiMillis(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

func apiMS(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64)
}
