//go:build benchbaseline

package main

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// TestBaselineBuild: in a build with -tags benchbaseline, every command
// opens a shell of its own and deletes it, whatever the Config says
// (go test -tags benchbaseline .). TestNoFreshShellSwitch in
// internal/provider shows the provider users run keeps its shells.
func TestBaselineBuild(t *testing.T) {
	const runs = 2
	h, err := winsim.Start("127.0.0.1:0", winsim.Options{Username: "Administrator", Password: "Passw0rd!"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	host, p, _ := net.SplitHostPort(h.Addr())
	port, _ := strconv.Atoi(p)
	cfg := transport.DefaultConfig()
	cfg.Host, cfg.Port, cfg.Username, cfg.Password, cfg.Timeout = host, port, "Administrator", "Passw0rd!", 30*time.Second
	c, err := transport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range runs {
		if _, err := c.Run(context.Background(), "ver"); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.Close()
	if st := h.Stats(); st.ShellsOpened != runs || st.Requests["Delete"] != runs {
		t.Errorf("shells opened %d, Delete requests %d; want %d each", st.ShellsOpened, st.Requests["Delete"], runs)
	}
}
