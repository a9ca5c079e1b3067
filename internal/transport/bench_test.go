package transport

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// benchCases are the simulated hosts both benchmarks run against: the same
// auth and per-request latency, so their ns/op and http-req/op compare.
var benchCases = []struct {
	name    string
	auth    string
	latency time.Duration
}{
	{"ntlm-sealed/0ms", AuthNTLM, 0},
	{"ntlm-sealed/5ms", AuthNTLM, 5 * time.Millisecond},
	{"basic-http/0ms", AuthBasic, 0},
	{"basic-http/5ms", AuthBasic, 5 * time.Millisecond},
}

func benchHost(b *testing.B, auth string, latency time.Duration) *winsim.Host {
	opts := winsim.Options{Latency: latency}
	if auth == AuthBasic {
		opts.Auth, opts.AllowUnencrypted = "basic", true
	}
	return startSim(b, opts)
}

func reportRequests(b *testing.B, h *winsim.Host) {
	st := h.Stats()
	b.ReportMetric(float64(st.HTTPRequests)/float64(b.N), "http-req/op")
	b.ReportMetric(float64(st.ShellsOpened)/float64(b.N), "shells/op")
}

// BenchmarkRunReusedShell measures this package: after the first command the
// shell (and, with NTLM, the sealed session) is reused, so a command costs
// three HTTP requests. Back-to-back commands each wait for the previous one's
// Signal (a shell is reused only once its command is released), so this is
// three round trips per command.
func BenchmarkRunReusedShell(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			h := benchHost(b, bc.auth, bc.latency)
			c := simClient(b, simConfig(b, h, bc.auth))
			ctx := context.Background()
			if _, err := c.Run(ctx, "ver"); err != nil {
				b.Fatal(err)
			}
			settle(c)
			h.ResetStats()
			b.ResetTimer()
			for range b.N {
				if _, err := c.Run(ctx, "ver"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			settle(c)
			reportRequests(b, h)
		})
	}
}

// BenchmarkRunFreshShell is the naive baseline: masterzen/winrm's
// RunWithContext, which opens and deletes a shell for every command (five
// SOAP messages) and, with NTLM message encryption, authenticates again before
// every message.
func BenchmarkRunFreshShell(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			h := benchHost(b, bc.auth, bc.latency)
			host, p, _ := net.SplitHostPort(h.Addr())
			port, _ := strconv.Atoi(p)
			ep := winrm.NewEndpoint(host, port, false, false, nil, nil, nil, 10*time.Second)
			params := winrm.NewParameters("PT60S", "en-US", 153600)
			if bc.auth == AuthNTLM {
				params.TransportDecorator = func() winrm.Transporter {
					enc, err := winrm.NewEncryption("ntlm")
					if err != nil {
						b.Fatal(err)
					}
					return enc
				}
			}
			c, err := winrm.NewClientWithParameters(ep, simUser, simPass, params)
			if err != nil {
				b.Fatal(err)
			}
			run := func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, _, _, err := c.RunCmdWithContext(ctx, "ver"); err != nil {
					b.Fatal(err)
				}
			}
			run()
			h.ResetStats()
			b.ResetTimer()
			for range b.N {
				run()
			}
			b.StopTimer()
			reportRequests(b, h)
		})
	}
}

// BenchmarkRunFirstCommand measures what a new provider process waits for on
// each host: a new Client's first command, NTLM handshake and shell Create
// included, until Run returns. Closing the Client (the shell's Delete) is not
// timed, as the provider does it once at exit, to all hosts at once.
func BenchmarkRunFirstCommand(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			h := benchHost(b, bc.auth, bc.latency)
			cfg := simConfig(b, h, bc.auth)
			ctx := context.Background()
			var reqs int
			b.ResetTimer()
			for range b.N {
				c, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				h.ResetStats()
				if _, err := c.Run(ctx, "ver"); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				c.Close()
				st := h.Stats()
				reqs += st.HTTPRequests - st.Requests["Delete"]
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(reqs)/float64(b.N), "http-req/op")
		})
	}
}
