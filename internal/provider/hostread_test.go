package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"golang.org/x/text/encoding/japanese"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// writeCommands are what the provider's writes run, and its reads never do.
var writeCommands = []string{"w32tm /config", "w32tm /register", "w32tm /unregister", "w32tm /resync", "net stop",
	"net start", "reg add", "reg delete", "tzutil /s", "RUNDLL32"}

// checkNoWrite asserts that the host ran no command that changes it.
func checkNoWrite(tg *target) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, w := range writeCommands {
			if tg.ranContaining(w) {
				return fmt.Errorf("the host ran a command containing %q; it ran:\n%s", w, strings.Join(tg.history(), "\n"))
			}
		}
		return nil
	}
}

// TestHostReadEveryProfile runs the one read on every simulated profile and
// locale, and checks that each parser finds its part of the joined output.
func TestHostReadEveryProfile(t *testing.T) {
	for _, p := range winhost.Profiles() {
		for _, loc := range []winhost.Locale{winhost.EnUS, winhost.JaJP} {
			t.Run(string(p)+"/"+string(loc), func(t *testing.T) {
				m, err := winhost.New(winhost.Config{Profile: p, Locale: loc, Role: winhost.Member})
				if err != nil {
					t.Fatal(err)
				}
				res := m.Exec(context.Background(), wintime.HostReadCommand(), transport.UTF8CodePage)
				out := string(res.Stdout)
				if p == winhost.P2003 && loc == winhost.JaJP {
					out, _ = decodeForTest(res.Stdout)
				}
				r, err := wintime.ParseHostRead(out)
				if err != nil {
					t.Fatalf("ParseHostRead: %v\n%s", err, out)
				}
				if r.State.Version.IsZero() || r.State.Service != wintime.ServiceRunning || !r.State.Installed {
					t.Errorf("state = %+v", r.State)
				}
				// Server 2003's zone id is found through the Time Zones key,
				// which a simulator may not have.
				noZone := r.Facts.TimeZone.ID == "" && (p != winhost.P2003 || m.KeyExists(wintime.TimeZonesKey))
				if r.Facts.ProductName == "" || r.Facts.Build == 0 || r.Facts.Hostname == "" || noZone {
					t.Errorf("facts = %+v", r.Facts)
				}
				if r.State.Local.Startup == "" {
					t.Errorf("no start type in:\n%s", out)
				}
				if got := wintime.HasQuery(r.State.Version); (r.Status != nil) != got || (r.Peers != nil) != got {
					t.Errorf("status %v, peers %v; want them iff the version has /query (%v):\n%s", r.Status, r.Peers, got, out)
				}
			})
		}
	}
}

// decodeForTest decodes the output of a host that ignores the shell's code
// page (Japanese Server 2003) as the transport does.
func decodeForTest(b []byte) (string, error) {
	s, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	return string(s), err
}

// startHosts starts n simulated hosts and returns a providerData whose pool
// reaches them, with the hosts' keys.
func startHosts(t *testing.T, n int, opts winsim.Options) (*providerData, []*winsim.Host) {
	t.Helper()
	opts.Username, opts.Password = simUser, simPassword
	hosts := make([]*winsim.Host, n)
	for i := range hosts {
		h, err := winsim.Start("127.0.0.1:0", opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.Close() })
		hosts[i] = h
	}
	pool := transport.NewPool()
	t.Cleanup(func() { _ = pool.Close() })
	cfg := transport.DefaultConfig()
	cfg.Username, cfg.Password, cfg.Timeout = simUser, simPassword, 30*time.Second
	return &providerData{pool: pool, base: cfg, planned: newPlannedHosts(), reads: newHostReads()}, hosts
}

// reads counts the host reads a simulated host ran.
func reads(h *winsim.Host) int {
	n := 0
	for _, c := range h.Commands() {
		if c == wintime.HostReadCommand() {
			n++
		}
	}
	return n
}

func TestHostReadsShared(t *testing.T) {
	data, hosts := startHosts(t, 1, winsim.Options{})
	h := hosts[0]
	b := hostBound{data: data, typeName: "windows_test"}
	ctx := context.Background()

	t.Run("concurrent readers share one read", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, _, _, diags := b.dialAndReadHost(ctx, h.Addr(), noCredentials); diags.HasError() {
					t.Error(diags)
				}
			})
		}
		wg.Wait()
		if got := reads(h); got != 1 {
			t.Errorf("8 readers ran %d reads, want 1", got)
		}
	})
	t.Run("a later reader takes the kept read", func(t *testing.T) {
		if _, _, _, diags := b.dialAndRead(ctx, h.Addr(), noCredentials); diags.HasError() {
			t.Fatal(diags)
		}
		if got := reads(h); got != 1 {
			t.Errorf("%d reads, want still 1", got)
		}
	})
	t.Run("a command on the host drops it", func(t *testing.T) {
		_, c, diags := b.dial(ctx, h.Addr(), noCredentials)
		if diags.HasError() {
			t.Fatal(diags)
		}
		if _, err := c.Run(ctx, `reg add "`+wintime.ParametersKey+`" /v Type /t REG_SZ /d NoSync /f`); err != nil {
			t.Fatal(err)
		}
		_, _, st, diags := b.dialAndRead(ctx, h.Addr(), noCredentials)
		if diags.HasError() {
			t.Fatal(diags)
		}
		if got := reads(h); got != 2 {
			t.Errorf("%d reads after a write, want 2", got)
		}
		if st.Local.Type != wintime.NoSync {
			t.Errorf("read after the write: Type %q, want NoSync", st.Local.Type)
		}
	})
}

func TestHostReadsFailureShared(t *testing.T) {
	data, hosts := startHosts(t, 1, winsim.Options{})
	h := hosts[0]
	h.Machine().SetHang("w32tm /query /peers")
	data.base.Timeout = 2 * time.Second
	data.base.MaxRetries = 0
	b := hostBound{data: data, typeName: "windows_test"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range 4 {
		wg.Go(func() {
			if _, _, _, diags := b.dialAndReadHost(context.Background(), h.Addr(), noCredentials); diags.HasError() {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed != 4 || reads(h) != 1 {
		t.Errorf("%d of 4 readers failed after %d reads; want all 4 after 1 (the one in flight)", failed, reads(h))
	}
	h.Machine().SetHang("")
	if _, _, _, diags := b.dialAndReadHost(context.Background(), h.Addr(), noCredentials); diags.HasError() {
		t.Errorf("a failed read was kept: %v", diags)
	}
}

// TestHostReadOEMCodePage reads hosts that write in their OEM code page
// (Server 2003 ignores the shell's UTF-8): the first read learns the code
// page from the registry and decodes its own output again with it; the
// transport decodes every later output with it.
func TestHostReadOEMCodePage(t *testing.T) {
	tests := []struct {
		cp      int
		product string
	}{
		{850, "Microsoft Windows Server 2003 Édition Entreprise"},
		{866, "Microsoft Windows Server 2003 Корпоративная"},
		{936, "Microsoft Windows Server 2003 企业版"},
		{949, "Microsoft Windows Server 2003 엔터프라이즈"},
		{950, "Microsoft Windows Server 2003 企業版"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.cp), func(t *testing.T) {
			data, hosts := startHosts(t, 1, winsim.Options{Profile: winhost.P2003, OEMCodePage: tc.cp})
			h := hosts[0]
			h.Machine().SetString(wintime.CurrentVersionKey, "ProductName", tc.product)
			b := hostBound{data: data, typeName: "windows_test"}
			ctx := context.Background()
			_, c, r, diags := b.dialAndReadHost(ctx, h.Addr(), noCredentials)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if r.Facts.OEMCodePage != tc.cp || c.CodePage() != tc.cp {
				t.Fatalf("OEM code page read %d, client's %d; want %d", r.Facts.OEMCodePage, c.CodePage(), tc.cp)
			}
			if r.Facts.ProductName != tc.product {
				t.Errorf("first read: ProductName %q, want %q", r.Facts.ProductName, tc.product)
			}
			res, err := c.Run(ctx, `reg query "`+wintime.CurrentVersionKey+`" /v ProductName`)
			if err != nil {
				t.Fatal(err)
			}
			if res.CodePage != tc.cp || !strings.Contains(res.Stdout, tc.product) {
				t.Errorf("later output decoded from %d: %q, want %q in it", res.CodePage, res.Stdout, tc.product)
			}
		})
	}
}

// TestHostReadsOtherCredentials expects a kept read to be dropped by a write
// made on the same host with other credentials (a resource with its own
// username and password): the two accounts have connections of their own,
// but one host.
func TestHostReadsOtherCredentials(t *testing.T) {
	const other, otherPassword = "timeadmin", "Other-Passw0rd!"
	data, hosts := startHosts(t, 1, winsim.Options{Users: []winsim.User{{Name: other, Password: otherPassword, Admin: true}}})
	h := hosts[0]
	b := hostBound{data: data, typeName: "windows_test"}
	ctx := context.Background()
	if _, _, _, diags := b.dialAndRead(ctx, h.Addr(), noCredentials); diags.HasError() {
		t.Fatal(diags)
	}
	_, c, diags := b.dial(ctx, h.Addr(), credentials{Username: types.StringValue(other), Password: types.StringValue(otherPassword)})
	if diags.HasError() {
		t.Fatal(diags)
	}
	if res, err := c.Run(ctx, `reg add "`+wintime.ParametersKey+`" /v Type /t REG_SZ /d NoSync /f`); err != nil || res.ExitCode != 0 {
		t.Fatalf("write as %s: exit %d, %v", other, res.ExitCode, err)
	}
	_, _, st, diags := b.dialAndRead(ctx, h.Addr(), noCredentials)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got := reads(h); got != 2 {
		t.Errorf("%d reads, want 2: the write with other credentials did not drop the kept read", got)
	}
	if st.Local.Type != wintime.NoSync {
		t.Errorf("read after the write: Type %q, want NoSync", st.Local.Type)
	}
}
