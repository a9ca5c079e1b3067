package winhost

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Config describes a simulated host. Zero fields take defaults: profile 2022, standalone, en-US, "WIN-SIM",
// the locale's OEM code page, and on a member or controller the domain EXAMPLE (example.com).
type Config struct {
	Profile  Profile
	Role     Role
	Locale   Locale
	Hostname string
	// Domain and DNSDomain are the NetBIOS and DNS names of the domain a member or controller
	// belongs to (defaults DefaultDomain and DefaultDNSDomain). A standalone host belongs to a
	// workgroup: New refuses either on one.
	Domain, DNSDomain string
	// BackupDC makes a domain controller a backup one (WMI's DomainRole 4) rather than the PDC
	// emulator (5).
	BackupDC bool
	// OEMCodePage is the system's OEM code page, in which console programs write when the shell asks
	// for none, or for UTF-8 on a release that ignores it (2003): 437, 850, 866, 932, 936, 949 or 950
	// (messages stay in the locale's language); ja-JP takes only 932. 0 is the locale's: 437 or 932.
	OEMCodePage int
	// AfterBoot starts the host as a boot leaves it: W32Time runs only if its start type says so
	// (see Reboot). By default it is running, whatever its start type.
	AfterBoot bool
	// NoTimeData makes every time source unreachable from the start (see SetTimeData).
	NoTimeData bool
	// SyncDelay is how long a started time service takes to synchronise when it has time data
	// (0: DefaultSyncDelay; negative: at once). Until then /query /status reports it unsynchronised,
	// as a real service right after a start; a successful "w32tm /resync" synchronises at once.
	// A host from New without AfterBoot has been running for a while: it is synchronised already.
	SyncDelay time.Duration
	// Clock is the host's clock (nil: time.Now). Tests pass a fake one to move simulated time on
	// without waiting.
	Clock func() time.Time
}

// Result is what one command line produced: output bytes in the console code page, and the exit code.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
}

type svcState int

const (
	svcNotInstalled svcState = iota
	svcStopped
	svcRunning
)

// Machine is one simulated Windows host: its registry, the W32Time service, cmd.exe and the programs
// the provider runs. All methods are safe for concurrent use.
type Machine struct {
	cfg Config
	pi  profileInfo

	mu       sync.Mutex // guards everything below
	reg      *registry
	svc      svcState
	elevated bool
	hang     string
	history  []string
	files    map[string][]byte // files written by "> name", by upper-case name
	synced   bool              // the time service has synchronised from its source
	lastSync time.Time
	// syncDue is when a started service with time data synchronises (zero: no synchronisation
	// pending); started is when the service last started.
	syncDue, started time.Time
	// unreachable makes every time source unreachable: the service gets no time data.
	unreachable bool
}

// New returns a host with a fresh registry for its profile and role, W32Time installed and running, and
// an elevated (administrator) session.
func New(cfg Config) (*Machine, error) {
	if cfg.Profile == "" {
		cfg.Profile = P2022
	}
	p, err := ParseProfile(string(cfg.Profile))
	if err != nil {
		return nil, err
	}
	cfg.Profile = p
	switch strings.ToLower(string(cfg.Role)) {
	case "":
		cfg.Role = Standalone
	case "standalone", "member", "dc":
		cfg.Role = Role(strings.ToLower(string(cfg.Role)))
	default:
		return nil, fmt.Errorf("winhost: unknown role %q (want standalone, member or dc)", cfg.Role)
	}
	switch strings.ToLower(string(cfg.Locale)) {
	case "":
		cfg.Locale = EnUS
	case "en-us":
		cfg.Locale = EnUS
	case "ja-jp":
		cfg.Locale = JaJP
	default:
		return nil, fmt.Errorf("winhost: unknown locale %q (want en-US or ja-JP)", cfg.Locale)
	}
	if err := cfg.checkCodePage(); err != nil {
		return nil, err
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "WIN-SIM"
	}
	if strings.ContainsAny(cfg.Hostname, "\\/:*?\"<>|% \t\r\n") || len(cfg.Hostname) > 63 {
		return nil, fmt.Errorf("winhost: invalid hostname %q", cfg.Hostname)
	}
	if err := cfg.checkDomain(); err != nil {
		return nil, err
	}
	h := &Machine{
		cfg:         cfg,
		pi:          profiles[cfg.Profile],
		reg:         newRegistry(),
		svc:         svcRunning,
		elevated:    true,
		files:       map[string][]byte{},
		unreachable: cfg.NoTimeData,
	}
	writeMachineDefaults(h.reg, h.pi, cfg)
	writeW32TimeDefaults(h.reg, cfg.Profile, cfg.Role)
	h.writeTimeZoneDB()
	h.setTimeZone(defaultTimeZone(cfg.Locale), false)
	if cfg.AfterBoot {
		h.boot()
	} else {
		h.runningForAWhile()
	}
	return h, nil
}

// Config returns the host's configuration with defaults filled in.
func (h *Machine) Config() Config { return h.cfg }

// Exec runs one cmd.exe command line as the WinRM cmd shell does. codepage is what the shell asked for
// (65001 = UTF-8; 0 = the OEM default). When ctx ends, a hanging command returns with exit code 1 and
// commands not yet started are not run.
func (h *Machine) Exec(ctx context.Context, cmdline string, codepage int) Result {
	if ctx == nil {
		ctx = context.Background()
	}
	h.mu.Lock()
	h.history = append(h.history, cmdline)
	hang := h.hang
	h.mu.Unlock()

	if hang != "" && strings.Contains(cmdline, hang) {
		<-ctx.Done()
		return Result{Stdout: []byte{}, Stderr: []byte{}, ExitCode: exitCanceled}
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	h.refreshSync()
	h.refreshActiveBias()
	var out, errb bytes.Buffer
	sh := &shell{h: h, ctx: ctx}
	code := sh.runLine(cmdline, streams{out: &out, err: &errb})
	return Result{
		Stdout:   h.encode(out.Bytes(), codepage),
		Stderr:   h.encode(errb.Bytes(), codepage),
		ExitCode: code,
	}
}

// History returns every command line Exec received, verbatim, in order.
func (h *Machine) History() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.history...)
}

// ClearHistory forgets the recorded command lines.
func (h *Machine) ClearHistory() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.history = nil
}

// GetValue reads a registry value. key is like `HKLM\SYSTEM\...` or `HKEY_LOCAL_MACHINE\...`,
// case-insensitive; name "" is the key's default value.
func (h *Machine) GetValue(key, name string) (Value, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reg.getValue(key, name)
}

// SetString writes a REG_SZ value, creating the key if needed.
func (h *Machine) SetString(key, name, data string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reg.setValue(key, name, sz(data))
}

// SetDWord writes a REG_DWORD value, creating the key if needed.
func (h *Machine) SetDWord(key, name string, v uint32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reg.setValue(key, name, dword(v))
}

// SetValue writes a value of any type, creating the key if needed.
func (h *Machine) SetValue(key, name string, v Value) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reg.setValue(key, name, v)
}

// DeleteValue removes a value if present.
func (h *Machine) DeleteValue(key, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if k := h.reg.key(key); k != nil {
		k.del(name)
	}
}

// DeleteKey removes a key and its subkeys if present.
func (h *Machine) DeleteKey(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reg.deleteKey(key)
}

// KeyExists reports whether a registry key exists.
func (h *Machine) KeyExists(key string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reg.key(key) != nil
}

// ServiceState returns the W32Time service state: "RUNNING", "STOPPED" or "NOT_INSTALLED".
func (h *Machine) ServiceState() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch h.svc {
	case svcRunning:
		return "RUNNING"
	case svcStopped:
		return "STOPPED"
	case svcNotInstalled:
		return "NOT_INSTALLED"
	}
	return "NOT_INSTALLED"
}

// SetServiceRunning starts or stops W32Time behind the provider's back. On a host where the service is
// not installed it marks it installed (the registry is left as it is).
func (h *Machine) SetServiceRunning(running bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if running {
		if h.svc != svcRunning {
			h.svc = svcRunning
			h.serviceStarted()
		}
		return
	}
	h.serviceStopped()
}

// Reboot restarts the machine. W32Time is running afterwards when its start type is automatic
// (delayed or not), or manual with the domain-join start trigger on a domain member or controller;
// otherwise (manual in a workgroup, disabled) it is stopped. A service that is not installed stays so.
// The service has not synchronised yet unless it started and has time data. The registry, the
// files and the history are kept.
func (h *Machine) Reboot() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.boot()
}

// SetTimeData makes the host's time sources reachable (true, the default) or not. Without time
// data the service does not synchronise and "w32tm /resync" fails; a service already synchronised
// stays so.
func (h *Machine) SetTimeData(available bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unreachable = !available
	if available {
		h.retrySync()
	}
}

// TimeData reports whether the service would get time data now: its sources are reachable
// (SetTimeData), the NtpClient provider is enabled and the configuration names a source.
func (h *Machine) TimeData() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.timeDataAvailable()
}

// SetElevated chooses whether commands run as an administrator. When false, writes (reg add/delete under
// HKLM, w32tm /config, /register, /unregister, /resync, net start/stop, tzutil /s) fail with Access is denied.
func (h *Machine) SetElevated(admin bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.elevated = admin
}

// SetHang makes any command line containing substr block until its context ends; "" disables.
func (h *Machine) SetHang(substr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hang = substr
}

// timeDataAvailable reports whether the service gets time data: its sources are reachable, the
// effective NtpClient Enabled is not 0 and the effective configuration names a source (see
// timeSource). Callers hold h.mu.
func (h *Machine) timeDataAvailable() bool {
	if h.unreachable {
		return false
	}
	if en, _ := h.effective(`TimeProviders\NtpClient`, "Enabled"); en.Type == "REG_DWORD" && en.Num == 0 {
		return false
	}
	_, ok := h.timeSource()
	return ok
}

// effective returns a W32Time value as the service sees it: the Group Policy value when one is set,
// else the local one. sub is a path under the W32Time key such as `TimeProviders\NtpClient`.
func (h *Machine) effective(sub, name string) (v Value, policy bool) {
	if v, ok := h.reg.getValue(keyW32TimePolicy+`\`+sub, name); ok {
		return v, true
	}
	v, _ = h.reg.getValue(keyW32Time+`\`+sub, name)
	return v, false
}
