// Command winsim serves simulated Windows hosts over WinRM on loopback, for trying the provider
// and testing Terraform code without a Windows machine.
//
// Usage:
//
//	winsim [flags]
//
// Flags:
//
//	--listen ADDR          address of the host (default 127.0.0.1:5985; port 0 picks a free one).
//	                       With --hosts > 1 the hosts listen on 127.0.0.2, 127.0.0.3, … on the
//	                       port of ADDR (distinct ports on 127.0.0.1 if those cannot be bound).
//	--hosts N              number of hosts, each its own machine (default 1, at most 60000)
//	--profile P            2003, 2008, 2008r2, 2012, 2012r2, 2016, 2019, 2022 (default), 2025
//	--role R               standalone (default), member or dc
//	--locale L             en-US (default) or ja-JP
//	--oem-code-page N      OEM code page: 437, 850, 866, 932, 936, 949 or 950 (default: the
//	                       locale's, 437 or 932); programs write in it where UTF-8 is not honoured
//	--backup-dc            with --role dc: a backup domain controller, not the PDC emulator
//	--hostname NAME        computer name (default WIN-SIM; numbered with --hosts > 1)
//	--domain NAME          with --role member or dc: the NetBIOS name of the host's domain
//	                       (default EXAMPLE)
//	--dns-domain NAME      with --role member or dc: the DNS name of the domain (default
//	                       example.com)
//	--username, --password the administrator account (default Administrator / Passw0rd!);
//	                       a name written DOMAIN\user, dns.domain\user or user@dns.domain is
//	                       an account of the host's domain, else a local account
//	--user NAME:PASSWORD[:admin]
//	                       one more account (repeatable), named as --username; :admin puts it
//	                       in Administrators, :user (the default) leaves it out. A password
//	                       holding a colon needs the :admin or :user suffix
//	--auth A               ntlm (default, as Windows: Negotiate only), basic, or any
//	--allow-unencrypted    accept plain bodies (and Basic) over HTTP, like AllowUnencrypted=true
//	--realm REALM          make the hosts members of a Kerberos realm: Negotiate (and the
//	                       Kerberos scheme) then take tickets for each host's service principal
//	                       too, and bodies are sealed with Kerberos as Windows does
//	--keytab FILE          the keytab holding the service principals' keys (with --realm)
//	--spn SPN              the service principal (default HTTP/<the host's address>, e.g.
//	                       HTTP/127.0.0.2; only with one host)
//	--https                serve HTTPS with a self-signed certificate made at start
//	--ca-out FILE          write that certificate's PEM to FILE (give it to clients as the CA)
//	--latency D            delay every HTTP request by D (e.g. 20ms)
//	--fault-rate F         answer the fraction F of SOAP requests with a transient failure
//	--seed N               seed of the fault choice
//	--operation-timeout D  longest a Receive is held (default: what the client asks)
//	--record               print "host N ran: <command line>" for every command a client runs
//	--rebooted             start every host as after a boot: W32Time runs only where its start
//	                       type says so (automatic; manual with the domain-join trigger on a
//	                       member or controller), so a workgroup host from 2008 R2 on has it stopped
//	--no-time-data         make every host's time sources unreachable: w32tm /resync fails
//	                       with "no time data" until POST /hosts/N/timedata says "on"
//	--sync-delay D         how long W32Time takes to synchronise after a start (default 5s;
//	                       negative: at once); until then w32tm /query /status says unsynchronised
//	--control ADDR         serve a loopback admin API on ADDR (see below)
//
// For every host it prints one line with its endpoint and settings, e.g.
//
//	host 1: http://127.0.0.1:5985/wsman profile=2022 role=standalone locale=en-US hostname=WIN-SIM auth=ntlm
//
// with " domain=EXAMPLE dns-domain=example.com" after it on a member or controller,
// and " realm=REALM spn=SPN" with --realm,
//
// then runs until SIGINT or SIGTERM and exits 0.
//
// The admin API (--control, loopback only) changes a host behind the WinRM client's back:
//
//	POST /hosts/N/exec     run the request body as a cmd.exe command line on host N (1-based) as
//	                       an administrator; the response is its stdout then stderr, as the host
//	                       writes them for code page 65001 (a ja-JP 2003 host writes code page 932
//	                       whatever is asked), the exit code in the X-Exit-Code header. Not printed
//	                       by --record and not listed by /history (the machine's own history does
//	                       include it).
//	GET  /hosts/N/history  the command lines clients ran on host N over WinRM, one per line
//	GET  /hosts/N/stats    host N's counters as JSON: HTTP requests by action, shells opened and open
//	POST /hosts/N/reboot   restart host N: its shells end, W32Time runs afterwards only if its start
//	                       type says so; the response is the service state (RUNNING, STOPPED or
//	                       NOT_INSTALLED)
//	POST /hosts/N/timedata body "on" or "off": make host N's time sources reachable or not
//	GET  /hosts            the host lines printed at start
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	listen, profile, role, locale, hostname  string
	username, password, auth, caOut, control string
	realm, keytab, spn                       string
	hosts, oemCodePage                       int
	allowUnencrypted, https, record          bool
	rebooted, noTimeData, backupDC           bool
	latency, opTimeout, syncDelay            time.Duration
	faultRate                                float64
	seed                                     int64
	domain, dnsDomain                        string
	users                                    []winsim.User
}

// run is the command; it serves until ctx ends and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("winsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:5985", "listen `address` (port 0 picks a free one)")
	fs.IntVar(&c.hosts, "hosts", 1, "number of hosts (127.0.0.2, 127.0.0.3, … when more than one; at most 60000)")
	fs.StringVar(&c.profile, "profile", "2022", "OS `version`: 2003, 2008, 2008r2, 2012, 2012r2, 2016, 2019, 2022, 2025")
	fs.StringVar(&c.role, "role", "standalone", "domain `role`: standalone, member or dc")
	fs.StringVar(&c.locale, "locale", "en-US", "system `locale`: en-US or ja-JP")
	fs.IntVar(&c.oemCodePage, "oem-code-page", 0, "OEM code `page`: 437, 850, 866, 932, 936, 949 or 950 (default: the locale's)")
	fs.BoolVar(&c.backupDC, "backup-dc", false, "with --role dc: a backup domain controller, not the PDC emulator")
	fs.DurationVar(&c.syncDelay, "sync-delay", 0, "how long W32Time takes to synchronise after a start (`duration`; default 5s, negative: at once)")
	fs.StringVar(&c.hostname, "hostname", "", "computer `name` (default WIN-SIM, numbered with --hosts)")
	fs.StringVar(&c.username, "username", "Administrator", "administrator account `name` (DOMAIN\\user or user@dns.domain: a domain account)")
	fs.StringVar(&c.password, "password", "Passw0rd!", "administrator `password`")
	fs.StringVar(&c.domain, "domain", "", "NetBIOS `name` of the domain of a member or dc (default EXAMPLE)")
	fs.StringVar(&c.dnsDomain, "dns-domain", "", "DNS `name` of the domain of a member or dc (default example.com)")
	fs.Func("user", "one more `account`, NAME:PASSWORD[:admin] (repeatable; NAME as for --username)", func(s string) error {
		u, err := parseUser(s)
		if err == nil {
			c.users = append(c.users, u)
		}
		return err
	})
	fs.StringVar(&c.auth, "auth", "ntlm", "offered `schemes`: ntlm (Windows' default), basic or any")
	fs.BoolVar(&c.allowUnencrypted, "allow-unencrypted", false, "accept unencrypted bodies and Basic over HTTP")
	fs.StringVar(&c.realm, "realm", "", "Kerberos `realm` of the hosts: Negotiate takes its tickets too (needs --keytab)")
	fs.StringVar(&c.keytab, "keytab", "", "keytab `file` with the hosts' service principal keys (with --realm)")
	fs.StringVar(&c.spn, "spn", "", "service principal `name` (default HTTP/<host address>; one host only)")
	fs.BoolVar(&c.https, "https", false, "serve HTTPS with a generated self-signed certificate")
	fs.StringVar(&c.caOut, "ca-out", "", "write the certificate PEM to `file`")
	fs.DurationVar(&c.latency, "latency", 0, "delay every HTTP request by `duration`")
	fs.Float64Var(&c.faultRate, "fault-rate", 0, "`fraction` of SOAP requests answered with a transient failure")
	fs.Int64Var(&c.seed, "seed", 0, "`seed` of the fault injection")
	fs.DurationVar(&c.opTimeout, "operation-timeout", 0, "longest a Receive is held (`duration`; default: as the client asks)")
	fs.BoolVar(&c.record, "record", false, `print "host N ran: <command line>" for every command run over WinRM`)
	fs.BoolVar(&c.rebooted, "rebooted", false, "start every host as after a boot (W32Time running only if its start type says so)")
	fs.BoolVar(&c.noTimeData, "no-time-data", false, "make every host's time sources unreachable (w32tm /resync finds no time data)")
	fs.StringVar(&c.control, "control", "", "serve the loopback admin API on `address`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: winsim [flags]\n\nServes simulated Windows hosts over WinRM on loopback until interrupted.\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nAdmin API (--control): POST /hosts/N/exec (body: command line), GET /hosts/N/history, GET /hosts/N/stats,\n"+
			"POST /hosts/N/reboot, POST /hosts/N/timedata (body: on or off), GET /hosts")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "winsim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := serve(ctx, c, stdout); err != nil {
		fmt.Fprintln(stderr, "winsim:", err)
		return 1
	}
	return 0
}

// maxHosts is the most hosts one winsim serves: 127.0.0.2 onwards, as winsim.StartN allows.
const maxHosts = 60000

// lineWriter serialises output lines from many goroutines.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) println(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, s)
}

func serve(ctx context.Context, c config, stdout io.Writer) error {
	if c.hosts < 1 || c.hosts > maxHosts {
		return fmt.Errorf("--hosts must be between 1 and %d", maxHosts)
	}
	profile, err := winhost.ParseProfile(c.profile)
	if err != nil {
		return err
	}
	if c.backupDC && !strings.EqualFold(c.role, "dc") {
		return fmt.Errorf("--backup-dc needs --role dc")
	}
	if c.faultRate < 0 || c.faultRate > 1 {
		return fmt.Errorf("--fault-rate must be between 0 and 1")
	}
	if (c.keytab != "" || c.spn != "") && c.realm == "" {
		return fmt.Errorf("--keytab and --spn need --realm")
	}
	if c.spn != "" && c.hosts > 1 {
		return fmt.Errorf("--spn names one host's service principal; with --hosts each host's is HTTP/<its address>")
	}
	out := &lineWriter{w: stdout}
	var index sync.Map // *winsim.Host -> int
	opts := winsim.Options{
		Profile: profile, Role: winhost.Role(c.role), Locale: winhost.Locale(c.locale), Hostname: c.hostname,
		Username: c.username, Password: c.password, Auth: c.auth, AllowUnencrypted: c.allowUnencrypted,
		HTTPS: c.https, CertFile: c.caOut, Latency: c.latency, FaultRate: c.faultRate, Seed: c.seed,
		OperationTimeout: c.opTimeout, AfterBoot: c.rebooted, NoTimeData: c.noTimeData,
		OEMCodePage: c.oemCodePage, BackupDC: c.backupDC, SyncDelay: c.syncDelay,
		Realm: c.realm, Keytab: c.keytab, SPN: c.spn,
		Domain: c.domain, DNSDomain: c.dnsDomain, Users: c.users,
	}
	if c.record {
		opts.OnExec = func(h *winsim.Host, line string) {
			n, _ := index.Load(h)
			out.println(fmt.Sprintf("host %v ran: %s", n, oneLine(line)))
		}
	}
	var hosts []*winsim.Host
	if c.hosts == 1 {
		h, err := winsim.Start(c.listen, opts)
		if err != nil {
			return err
		}
		hosts = []*winsim.Host{h}
	} else {
		_, portStr, err := net.SplitHostPort(c.listen)
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return fmt.Errorf("--listen: bad port %q", portStr)
		}
		if hosts, err = winsim.StartN(c.hosts, port, opts); err != nil {
			return err
		}
	}
	defer func() {
		for _, h := range hosts {
			h.Close()
		}
	}()
	var lines []string
	for i, h := range hosts {
		index.Store(h, i+1)
		cfg := h.Machine().Config()
		line := fmt.Sprintf("host %d: %s profile=%s role=%s locale=%s hostname=%s auth=%s",
			i+1, h.URL(), cfg.Profile, cfg.Role, cfg.Locale, cfg.Hostname, strings.ToLower(c.auth))
		if cfg.Domain != "" {
			line += fmt.Sprintf(" domain=%s dns-domain=%s", cfg.Domain, cfg.DNSDomain)
		}
		if c.realm != "" {
			line += " realm=" + c.realm + " spn=" + h.SPN()
		}
		lines = append(lines, line)
		out.println(line)
	}
	if c.caOut != "" && c.https {
		out.println("ca: " + c.caOut)
	}
	if c.control != "" {
		srv, addr, err := startControl(c.control, hosts, lines)
		if err != nil {
			return err
		}
		defer srv.Close()
		out.println("control: http://" + addr)
	}
	<-ctx.Done()
	return nil
}

// parseUser reads a --user value, NAME:PASSWORD[:admin|:user]. A user name holds no colon
// (Windows forbids one), so the name ends at the first; with three fields or more the last
// says whether the account is an administrator, and the password is what lies between.
func parseUser(s string) (winsim.User, error) {
	f := strings.Split(s, ":")
	if len(f) < 2 || f[0] == "" {
		return winsim.User{}, errors.New("want NAME:PASSWORD or NAME:PASSWORD:admin")
	}
	u := winsim.User{Name: f[0], Password: strings.Join(f[1:], ":")}
	if len(f) > 2 {
		switch f[len(f)-1] {
		case "admin":
			u.Admin = true
		case "user":
		default:
			return winsim.User{}, fmt.Errorf("the last field of %q must be admin or user (a password holding a colon needs one)", s)
		}
		u.Password = strings.Join(f[1:len(f)-1], ":")
	}
	if u.Password == "" {
		return winsim.User{}, fmt.Errorf("no password for %q", u.Name)
	}
	return u, nil
}

// oneLine keeps a recorded command on one output line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// startControl serves the admin API; it refuses any address that is not loopback.
func startControl(addr string, hosts []*winsim.Host, lines []string) (*http.Server, string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("--control: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, "", fmt.Errorf("--control must be a loopback address, not %q", host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: controlHandler(hosts, lines), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

func controlHandler(hosts []*winsim.Host, lines []string) http.Handler {
	mux := http.NewServeMux()
	lookup := func(w http.ResponseWriter, r *http.Request) *winsim.Host {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 1 || n > len(hosts) {
			http.Error(w, "no such host", http.StatusNotFound)
			return nil
		}
		return hosts[n-1]
	}
	mux.HandleFunc("GET /hosts", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	})
	mux.HandleFunc("GET /hosts/{n}/history", func(w http.ResponseWriter, r *http.Request) {
		h := lookup(w, r)
		if h == nil {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, l := range h.Commands() {
			fmt.Fprintln(w, oneLine(l))
		}
	})
	mux.HandleFunc("GET /hosts/{n}/stats", func(w http.ResponseWriter, r *http.Request) {
		h := lookup(w, r)
		if h == nil {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(h.Stats())
	})
	mux.HandleFunc("POST /hosts/{n}/reboot", func(w http.ResponseWriter, r *http.Request) {
		h := lookup(w, r)
		if h == nil {
			return
		}
		h.Reboot()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, h.Machine().ServiceState())
	})
	mux.HandleFunc("POST /hosts/{n}/timedata", func(w http.ResponseWriter, r *http.Request) {
		h := lookup(w, r)
		if h == nil {
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64))
		var on bool
		switch strings.ToLower(strings.TrimSpace(string(body))) {
		case "on":
			on = true
		case "off":
		default:
			err = errors.New("bad value")
		}
		if err != nil {
			http.Error(w, `the body must be "on" or "off"`, http.StatusBadRequest)
			return
		}
		h.SetTimeData(on)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, strings.ToLower(strings.TrimSpace(string(body))))
	})
	mux.HandleFunc("POST /hosts/{n}/exec", func(w http.ResponseWriter, r *http.Request) {
		h := lookup(w, r)
		if h == nil {
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		if err != nil {
			http.Error(w, "command line too long", http.StatusRequestEntityTooLarge)
			return
		}
		line := strings.TrimRight(string(body), "\r\n")
		if strings.TrimSpace(line) == "" {
			http.Error(w, "empty command line", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		res := h.Machine().Exec(ctx, line, 65001)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Exit-Code", strconv.Itoa(res.ExitCode))
		_, _ = w.Write(res.Stdout)
		_, _ = w.Write(res.Stderr)
	})
	return mux
}
