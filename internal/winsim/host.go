package winsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim/ntlmsrv"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// User is an extra account of a simulated host.
type User struct {
	// Name is a local account's name ("user", ".\user" or "HOSTNAME\user"), or a domain
	// account's ("DOMAIN\user", "dns.domain\user" or "user@dns.domain", naming the host's
	// domain), as Windows takes them. A controller's accounts are all the domain's.
	Name, Password string
	// Admin puts the account in Administrators. Windows lets only administrators (and members of
	// Remote Management Users, not modelled) use WinRM; others get an access-denied fault.
	Admin bool
}

// Options configures a simulated host. The zero value is a default Windows Server 2022 host
// as it ships: NTLM (Negotiate) only, unencrypted bodies refused over HTTP.
type Options struct {
	Profile  winhost.Profile // OS version; default as chosen by winhost
	Role     winhost.Role    // standalone, member or dc
	Locale   winhost.Locale  // en-US or ja-JP
	Hostname string          // computer name; default chosen by winhost (StartN numbers them)
	// AfterBoot starts the machine as a boot leaves it: W32Time runs only if its start type (and
	// trigger) says so, as Host.Reboot. By default W32Time is running whatever its start type.
	AfterBoot bool
	// NoTimeData makes the machine's time sources unreachable from the start (Host.SetTimeData).
	NoTimeData bool
	// SyncDelay is how long W32Time takes to synchronise after a start (0: winhost's default of a
	// few seconds; negative: at once). See winhost.Config.SyncDelay.
	SyncDelay time.Duration
	// BackupDC makes a "dc" host a backup domain controller rather than the PDC emulator.
	BackupDC bool
	// OEMCodePage is the machine's OEM code page (0: the locale's). See winhost.Config.OEMCodePage.
	OEMCodePage int
	// Domain and DNSDomain are the NetBIOS and DNS names of the domain a member or controller
	// belongs to (default EXAMPLE and example.com); a standalone host takes neither. A logon
	// naming the domain either way (DOMAIN\user, dns.domain\user, user@dns.domain) is checked
	// against the domain's accounts, as the domain's controller would.
	Domain, DNSDomain string

	// Username and Password are the built-in administrator's (defaults "Administrator" / "Passw0rd!").
	// Username is written as User.Name: "EXAMPLE\timeadmin" makes it a domain account.
	Username, Password string
	// Users are extra accounts, local or of the domain, e.g. a non-administrator one.
	Users []User

	// Auth is the set of schemes offered: "ntlm" (default, as Windows: Negotiate only),
	// "basic" (Basic only) or "any" (both).
	Auth string
	// AllowUnencrypted is Windows' AllowUnencrypted service setting: when false, plain (not sealed)
	// bodies over HTTP are refused, and so is Basic over HTTP.
	AllowUnencrypted bool

	// Realm makes the host a member of a Kerberos realm: besides NTLM, Negotiate (and the Kerberos
	// scheme) then take Kerberos tickets for the service principal SPN (default HTTP/<listen
	// address>, e.g. HTTP/127.0.0.2), whose key is in the keytab (Keytab, a file, or KeytabData).
	// A client principal of the realm logs on as the account of its name (Username or Users),
	// and bodies are sealed with the Kerberos session as Windows does. Auth must offer "ntlm".
	Realm      string
	Keytab     string
	KeytabData []byte
	SPN        string

	// HTTPS serves TLS with a self-signed certificate generated at start, valid for 127.0.0.1,
	// localhost, ::1 and the listen address; its PEM is written to CertFile when set.
	HTTPS    bool
	CertFile string

	// Latency delays every HTTP request; FaultRate is the fraction of SOAP requests answered with a
	// transient failure (HTTP 503, or a 500 w:InternalError fault); Seed seeds that choice.
	Latency   time.Duration
	FaultRate float64
	Seed      int64

	// OperationTimeout caps how long a Receive is held when the request asks for longer
	// (zero: honour the request's OperationTimeout, 60 s when it has none).
	OperationTimeout time.Duration
	// ShellIdleTimeout is how long a shell lives without requests (default 15 minutes) when the
	// client's Create asks for no IdleTimeOut of its own; an expired shell answers w:InvalidSelectors.
	ShellIdleTimeout time.Duration
	// MaxShellsPerUser is the shell quota of each user (default 30, as Windows).
	MaxShellsPerUser int
	// MaxEnvelopeSize is the largest request accepted, in bytes (default 512000, Windows'
	// MaxEnvelopeSizekb of 500); bigger requests get the w:EncodingLimit fault.
	MaxEnvelopeSize int

	// OnLogon, when set, is called for every logon attempt (an NTLM AUTHENTICATE message, a request
	// with Basic credentials) before the credentials are checked, from the request's goroutine. It
	// may block, holding the logon, e.g. to prove that several are in flight at once.
	OnLogon func(h *Host)

	// OnExec, when set, is called with every command line a client runs over WinRM, before it
	// runs (from the request's goroutine; it must not block for long).
	OnExec func(h *Host, cmdline string)
}

// Stats are a host's request counters since start or the last ResetStats.
type Stats struct {
	// Requests counts requests by action short name: Create, Command, Receive, Signal, Delete,
	// Send; "Auth" for requests that carried no SOAP message (handshake legs, refusals, empty-body
	// session opens); "Other" for unknown actions and unparseable envelopes.
	Requests map[string]int
	// HTTPRequests counts every HTTP request, including authentication legs.
	HTTPRequests int
	// ShellsOpened counts successful Creates; ShellsOpen is the number of shells alive now.
	ShellsOpened int
	ShellsOpen   int
	// BasicCredentials counts requests that carried an `Authorization: Basic`
	// header (a password in base64), accepted or not.
	BasicCredentials int
	// NTLMLogons counts NTLM AUTHENTICATE messages received (logon attempts), NTLMLogonsFailed
	// those refused; BasicLogonsFailed counts Basic credentials refused. Windows counts each
	// refusal as a failed logon of the account, toward its lockout threshold.
	NTLMLogons        int
	NTLMLogonsFailed  int
	BasicLogonsFailed int
	// KerberosLogons counts Kerberos AP-REQs received, KerberosLogonsFailed those refused.
	KerberosLogons       int
	KerberosLogonsFailed int
}

// ShellInfo is the host's view of one open shell.
type ShellInfo struct {
	ID, Owner string
	// IdleTimeout is how long the shell lives without requests: the IdleTimeOut the client asked
	// for, else the host's ShellIdleTimeout.
	IdleTimeout time.Duration
}

// Host is one simulated Windows host serving WinRM.
type Host struct {
	opts    Options
	machine *winhost.Machine
	ntlm    *ntlmsrv.Server
	krb     *krbAcceptor    // nil unless the host serves a Kerberos realm
	users   map[string]User // by upper-case canonical name (user, or DOMAIN\user): see addAccount

	ln       net.Listener
	srv      *http.Server
	scheme   string
	addr     string
	ip       string
	certPEM  []byte
	baseCtx  context.Context
	cancel   context.CancelFunc
	closing  chan struct{}
	closeErr error
	once     sync.Once
	wg       sync.WaitGroup

	mu           sync.Mutex
	stopped      bool
	shells       map[string]*shell
	rng          *rand.Rand
	faultRate    float64
	latency      time.Duration
	drops        map[string]int
	hangs        int
	requests     map[string]int
	httpRequests int
	// basicCredentials counts requests carrying Basic credentials.
	basicCredentials int
	ntlmLogons       int
	ntlmLogonsFailed int
	basicFailed      int
	// kerberosLogons and kerberosLogonsFailed count AP-REQs received and refused.
	kerberosLogons, kerberosLogonsFailed int
	shellsOpened                         int
	ran                                  []string
}

const (
	defaultUsername      = "Administrator"
	defaultPassword      = "Passw0rd!"
	defaultIdle          = 15 * time.Minute
	defaultMaxShells     = 30
	defaultMaxEnvelope   = 512000
	defaultReceiveWindow = 60 * time.Second
)

// Start serves one simulated host on addr ("127.0.0.1:0" picks a free port).
func Start(addr string, opts Options) (*Host, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var cert *tls.Certificate
	var pem []byte
	if opts.HTTPS {
		a, err := tcpAddr(ln)
		if err != nil {
			ln.Close()
			return nil, err
		}
		c, p, err := selfSignedCert(opts.Hostname, []net.IP{a.IP})
		if err != nil {
			ln.Close()
			return nil, err
		}
		cert, pem = c, p
		if opts.CertFile != "" {
			if err := os.WriteFile(opts.CertFile, pem, 0o644); err != nil { //nolint:gosec // public certificate: clients must read it
				ln.Close()
				return nil, err
			}
		}
	}
	return serve(ln, opts, 0, cert, pem)
}

// StartN serves n hosts, each its own machine, on the loopback addresses 127.0.0.2, 127.0.0.3, …
// all on one port (port 0: one free port chosen for all). When those addresses cannot be bound
// (a system without the whole 127/8 on loopback), the hosts get distinct ports on 127.0.0.1
// instead. With HTTPS the hosts share one certificate, so one CA file serves them all.
// Unless opts.Hostname is set, hosts are named WIN-SIM1, WIN-SIM2, …; with it, NAME1, NAME2, ….
func StartN(n int, port int, opts Options) ([]*Host, error) {
	if n <= 0 {
		return nil, errors.New("winsim: StartN needs n >= 1")
	}
	if n > 60000 {
		return nil, errors.New("winsim: too many hosts")
	}
	lns, err := listenLoopbacks(n, port)
	if err != nil {
		lns = lns[:0]
		for i := 0; i < n; i++ {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				closeAll(lns)
				return nil, err
			}
			lns = append(lns, ln)
		}
	}
	var cert *tls.Certificate
	var pem []byte
	if opts.HTTPS {
		ips := make([]net.IP, 0, n)
		for _, ln := range lns {
			a, err := tcpAddr(ln)
			if err != nil {
				closeAll(lns)
				return nil, err
			}
			ips = append(ips, a.IP)
		}
		c, p, err := selfSignedCert("", ips)
		if err != nil {
			closeAll(lns)
			return nil, err
		}
		cert, pem = c, p
		if opts.CertFile != "" {
			if err := os.WriteFile(opts.CertFile, pem, 0o644); err != nil { //nolint:gosec // public certificate: clients must read it
				closeAll(lns)
				return nil, err
			}
		}
	}
	base := opts.Hostname
	if base == "" {
		base = "WIN-SIM"
	}
	hosts := make([]*Host, 0, n)
	for i, ln := range lns {
		o := opts
		o.Hostname = base + strconv.Itoa(i+1)
		h, err := serve(ln, o, i, cert, pem)
		if err != nil {
			for _, h := range hosts {
				h.Close()
			}
			closeAll(lns[i+1:])
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}

// tcpAddr returns a TCP listener's address; net.Listen("tcp", …) always gives one.
func tcpAddr(ln net.Listener) (*net.TCPAddr, error) {
	a, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return nil, fmt.Errorf("winsim: listener address %v is not TCP", ln.Addr())
	}
	return a, nil
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// listenLoopbacks binds 127.0.0.2+i on one port for every i < n.
func listenLoopbacks(n, port int) ([]net.Listener, error) {
	lns := make([]net.Listener, 0, n)
	for i := 0; i < n; i++ {
		v := uint32(127)<<24 | uint32(2+i)
		ip := net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		if err != nil {
			closeAll(lns)
			return nil, err
		}
		lns = append(lns, ln)
		if port == 0 {
			a, err := tcpAddr(ln)
			if err != nil {
				closeAll(lns)
				return nil, err
			}
			port = a.Port
		}
	}
	return lns, nil
}

// serve builds the host around an open listener; it owns ln from here on.
func serve(ln net.Listener, opts Options, index int, cert *tls.Certificate, pem []byte) (*Host, error) {
	a, err := tcpAddr(ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	opts, err = opts.withDefaults()
	if err != nil {
		ln.Close()
		return nil, err
	}
	h, err := newHost(opts, index)
	if err == nil {
		err = h.setupKerberos(a.IP.String())
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	h.listen(ln, a, cert, pem)
	return h, nil
}

// withDefaults returns the options with the defaults filled in, or an error for an unknown Auth.
func (opts Options) withDefaults() (Options, error) {
	if opts.Username == "" {
		opts.Username = defaultUsername
	}
	if opts.Password == "" {
		opts.Password = defaultPassword
	}
	switch strings.ToLower(opts.Auth) {
	case "":
		opts.Auth = "ntlm"
	case "ntlm", "basic", "any":
		opts.Auth = strings.ToLower(opts.Auth)
	default:
		return opts, fmt.Errorf("winsim: unknown auth %q (want ntlm, basic or any)", opts.Auth)
	}
	if opts.ShellIdleTimeout <= 0 {
		opts.ShellIdleTimeout = defaultIdle
	}
	if opts.MaxShellsPerUser <= 0 {
		opts.MaxShellsPerUser = defaultMaxShells
	}
	if opts.MaxEnvelopeSize <= 0 {
		opts.MaxEnvelopeSize = defaultMaxEnvelope
	}
	return opts, nil
}

// newHost returns the host of the completed options, not yet listening: its machine, its local
// accounts and NTLM server, and its fault-injection state (index seeds its random source apart
// from the other hosts of the same Seed).
func newHost(opts Options, index int) (*Host, error) {
	m, err := winhost.New(winhost.Config{Profile: opts.Profile, Role: opts.Role, Locale: opts.Locale, Hostname: opts.Hostname,
		AfterBoot: opts.AfterBoot, NoTimeData: opts.NoTimeData, SyncDelay: opts.SyncDelay, BackupDC: opts.BackupDC,
		OEMCodePage: opts.OEMCodePage, Domain: opts.Domain, DNSDomain: opts.DNSDomain})
	if err != nil {
		return nil, err
	}
	h := &Host{
		opts:      opts,
		machine:   m,
		users:     map[string]User{},
		closing:   make(chan struct{}),
		shells:    map[string]*shell{},
		rng:       rand.New(rand.NewPCG(uint64(opts.Seed), uint64(index))),
		faultRate: opts.FaultRate,
		latency:   opts.Latency,
		drops:     map[string]int{},
		requests:  map[string]int{},
	}
	if err := h.addAccount(opts.Username, opts.Password, true); err != nil {
		return nil, err
	}
	for _, u := range opts.Users {
		if u.Name != "" {
			if err := h.addAccount(u.Name, u.Password, u.Admin); err != nil {
				return nil, err
			}
		}
	}
	cfg := m.Config()
	h.ntlm = &ntlmsrv.Server{Creds: h.password, TargetName: h.computerName(), Domain: cfg.Domain, DNSDomain: cfg.DNSDomain}
	h.baseCtx, h.cancel = context.WithCancel(context.Background())
	return h, nil
}

// listen serves the host on ln (at address a), over TLS with cert when it is not nil.
func (h *Host) listen(ln net.Listener, a *net.TCPAddr, cert *tls.Certificate, pem []byte) {
	h.scheme = "http"
	if cert != nil {
		h.scheme = "https"
		h.certPEM = pem
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
	}
	h.ln = ln
	h.addr = ln.Addr().String()
	h.ip = a.IP.String()
	h.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request body must arrive within this; Receive long polls are bounded separately.
		ReadTimeout:    60 * time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ConnContext:    withConnState,
		ErrorLog:       log.New(io.Discard, "", 0),
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		_ = h.srv.Serve(ln)
	}()
}

// password is the NTLM credential lookup: the account the user and domain of the AUTHENTICATE
// message name (see account).
func (h *Host) password(user, domain string) (string, bool) {
	u, ok := h.account(user, domain)
	return u.Password, ok
}

// URL is the WinRM endpoint, e.g. "http://127.0.0.2:5985/wsman".
func (h *Host) URL() string { return h.scheme + "://" + h.addr + "/wsman" }

// Addr is the listen address, e.g. "127.0.0.2:5985".
func (h *Host) Addr() string { return h.addr }

// Machine is the simulated machine behind the host: its registry, services and command history.
func (h *Host) Machine() *winhost.Machine { return h.machine }

// CertPEM is the PEM of the host's self-signed certificate (nil without HTTPS). It is its own CA:
// give it to a client as the CA certificate.
func (h *Host) CertPEM() []byte { return h.certPEM }

// Commands returns the command lines clients ran over WinRM, in order (control-channel runs excluded).
func (h *Host) Commands() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ran...)
}

// Stats returns a copy of the counters.
func (h *Host) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expireLocked(time.Now())
	req := make(map[string]int, len(h.requests))
	for k, v := range h.requests {
		req[k] = v
	}
	return Stats{Requests: req, HTTPRequests: h.httpRequests, ShellsOpened: h.shellsOpened, ShellsOpen: len(h.shells),
		BasicCredentials: h.basicCredentials, NTLMLogons: h.ntlmLogons, NTLMLogonsFailed: h.ntlmLogonsFailed,
		BasicLogonsFailed: h.basicFailed, KerberosLogons: h.kerberosLogons, KerberosLogonsFailed: h.kerberosLogonsFailed}
}

// Shells returns the shells open now (expired ones dropped first).
func (h *Host) Shells() []ShellInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expireLocked(time.Now())
	out := make([]ShellInfo, 0, len(h.shells))
	for _, sh := range h.shells {
		out = append(out, ShellInfo{ID: sh.id, Owner: sh.owner, IdleTimeout: sh.idle})
	}
	return out
}

// ResetStats zeroes the counters (ShellsOpen stays the live count).
func (h *Host) ResetStats() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = map[string]int{}
	h.httpRequests = 0
	h.basicCredentials = 0
	h.ntlmLogons, h.ntlmLogonsFailed, h.basicFailed = 0, 0, 0
	h.kerberosLogons, h.kerberosLogonsFailed = 0, 0
	h.shellsOpened = 0
}

// SetFaultRate changes the fraction of SOAP requests answered with a transient failure.
func (h *Host) SetFaultRate(f float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faultRate = f
}

// SetLatency changes the delay added to every HTTP request.
func (h *Host) SetLatency(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.latency = d
}

// DropNext makes the next n requests of action ("Create", "Command", "Receive", "Signal",
// "Delete", "Send"; "" for any) lose their TCP connection without a response.
func (h *Host) DropNext(action string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drops[action] += n
}

// HangNext makes the next n commands hang: they never finish until a terminate or ctrl_c signal,
// the deletion or expiry of their shell, or Close. They are recorded as run but do not reach the
// machine.
func (h *Host) HangNext(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hangs += n
}

// ExpireShells forgets every shell now, as the idle timeout would.
func (h *Host) ExpireShells() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, sh := range h.shells {
		h.deleteShellLocked(id, sh)
	}
}

// Reboot restarts the machine behind the host as winhost.Machine.Reboot does (W32Time runs
// afterwards only if its start type says so). Like a real restart it ends every shell: clients
// holding one get the "shell not found" fault and must open a new one. The listener stays up.
func (h *Host) Reboot() {
	h.ExpireShells()
	h.machine.Reboot()
}

// SetTimeData makes the machine's time sources reachable (true, the default) or unreachable, which
// decides whether w32tm /resync finds time data (winhost.Machine.SetTimeData).
func (h *Host) SetTimeData(available bool) { h.machine.SetTimeData(available) }

// Close stops the host: open Receives end, running commands are cancelled, connections close.
func (h *Host) Close() error {
	h.once.Do(func() {
		close(h.closing)
		h.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := h.srv.Shutdown(ctx); err != nil {
			h.srv.Close()
		}
		h.mu.Lock()
		h.stopped = true
		for id, sh := range h.shells {
			h.deleteShellLocked(id, sh)
		}
		h.mu.Unlock()
		h.wg.Wait()
	})
	return h.closeErr
}

// expireLocked drops shells idle for longer than the idle timeout.
func (h *Host) expireLocked(now time.Time) {
	for id, sh := range h.shells {
		if now.Sub(sh.lastUsed) > sh.idle {
			h.deleteShellLocked(id, sh)
		}
	}
}

func (h *Host) deleteShellLocked(id string, sh *shell) {
	for _, c := range sh.commands {
		c.cancel()
	}
	delete(h.shells, id)
}
