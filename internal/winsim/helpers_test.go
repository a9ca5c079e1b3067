package winsim

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"
)

// startHost starts a host on a free loopback port and stops it when the test ends.
func startHost(t *testing.T, opts Options) *Host {
	t.Helper()
	h, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// newClient builds a masterzen/winrm client for h. tweak may set a transport decorator.
func newClient(t *testing.T, h *Host, user, pass string, tweak func(*winrm.Parameters)) *winrm.Client {
	t.Helper()
	host, portStr, err := net.SplitHostPort(h.Addr())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	ep := winrm.NewEndpoint(host, port, h.CertPEM() != nil, false, h.CertPEM(), nil, nil, 10*time.Second)
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	if tweak != nil {
		tweak(params)
	}
	c, err := winrm.NewClientWithParameters(ep, user, pass, params)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs one command line through the real client with a deadline.
func run(t *testing.T, c *winrm.Client, line string) (stdout, stderr string, code int, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return c.RunCmdWithContext(ctx, line)
}

func ntlmEncryption(p *winrm.Parameters) {
	p.TransportDecorator = func() winrm.Transporter {
		enc, err := winrm.NewEncryption("ntlm")
		if err != nil {
			panic(err)
		}
		return enc
	}
}

func ntlmPlain(p *winrm.Parameters) {
	p.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
}

// rawClient posts hand-made requests with Basic credentials.
type rawClient struct {
	t    *testing.T
	h    *Host
	http *http.Client
	user string
	pass string
}

func newRaw(t *testing.T, h *Host) *rawClient {
	return &rawClient{t: t, h: h, http: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{}},
		user: defaultUsername, pass: defaultPassword}
}

type rawResponse struct {
	status int
	header http.Header
	body   string
}

func (r *rawClient) do(header map[string]string, body string) (rawResponse, error) {
	req, err := http.NewRequest(http.MethodPost, r.h.URL(), strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	if r.user != "" {
		req.SetBasicAuth(r.user, r.pass)
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return rawResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, resp.Header, string(b)}, err
}

func (r *rawClient) post(body string) rawResponse {
	r.t.Helper()
	resp, err := r.do(nil, body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// createShell opens a shell with a raw request and returns its id.
func (r *rawClient) createShell() string {
	r.t.Helper()
	resp := r.post(winrm.NewOpenShellRequest(r.h.URL(), params()).String())
	id, err := winrm.ParseOpenShellResponse(resp.body)
	if err != nil || id == "" {
		r.t.Fatalf("create: %d %v %s", resp.status, err, resp.body)
	}
	return id
}

func params() *winrm.Parameters { return winrm.NewParameters("PT60S", "en-US", 153600) }

// wsmanCode extracts the f:WSManFault Code of a fault body ("" when none).
func wsmanCode(body string) string {
	_, rest, ok := strings.Cut(body, `<f:WSManFault`)
	if !ok {
		return ""
	}
	_, rest, ok = strings.Cut(rest, `Code="`)
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, `"`)
	return code
}

// faultSubcode extracts the s:Subcode value of a fault body.
func faultSubcode(body string) string {
	_, rest, ok := strings.Cut(body, `<s:Subcode><s:Value>`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `<`)
	return v
}
