package winhost

// Registry locations the simulated programs use.
const (
	keyW32Time       = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\W32Time`
	keyW32TimePolicy = `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\W32Time`
	keyCurrentVer    = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	keyTimeZone      = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`
	keyProductOpts   = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions`
	keyComputerName  = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`
)

// writeW32TimeDefaults writes the W32Time service key as `w32tm /register` leaves it for the host's role
// (windows-time.md section 5). Values not in that table are marked inferred below.
func writeW32TimeDefaults(r *registry, p Profile, role Role) {
	r.deleteKey(keyW32Time)
	writeW32TimeService(r, p, role)
	writeW32TimeParameters(r, p, role)
	writeW32TimeConfig(r, p, role)
	writeW32TimeProviders(r, p, role)
}

// writeW32TimeService writes the service key itself [inferred: usual SCM values] with the role's
// startup type (see defaultStart).
func writeW32TimeService(r *registry, p Profile, role Role) {
	svc := r.ensure(keyW32Time)
	if p == P2003 {
		svc.set("DisplayName", sz("Windows Time"))
		svc.set("ImagePath", expandSz(`%SystemRoot%\System32\svchost.exe -k netsvcs`))
		svc.set("ObjectName", sz("LocalSystem"))
	} else {
		svc.set("DisplayName", sz(`@%SystemRoot%\system32\w32time.dll,-200`))
		svc.set("ImagePath", expandSz(`%SystemRoot%\system32\svchost.exe -k LocalService`))
		svc.set("ObjectName", sz(`NT AUTHORITY\LocalService`))
	}
	svc.set("Description", sz("Maintains date and time synchronization on all clients and servers in the network."))
	svc.set("ErrorControl", dword(1))
	start, triggered := defaultStart(p, role)
	svc.set("Start", dword(start))
	svc.set("Type", dword(0x20)) // SERVICE_WIN32_SHARE_PROCESS
	// DelayedAutostart is absent on a fresh host: sc config start= delayed-auto creates it.
	if triggered {
		writeTriggers(r, []trigger{{action: triggerStart, join: true}, {action: triggerStop, join: false}})
	}
}

// writeW32TimeParameters writes Parameters [seen: Type, NtpServer; ServiceDll family inferred].
func writeW32TimeParameters(r *registry, p Profile, role Role) {
	standalone := role == Standalone
	par := r.ensure(keyW32Time + `\Parameters`)
	par.set("ServiceDll", expandSz(`%systemroot%\system32\w32time.dll`))
	if p != P2003 {
		par.set("ServiceMain", sz("SvchostEntry_W32Time"))
		par.set("ServiceDllUnloadOnStop", dword(1))
	}
	ntp := "time.windows.com,0x9"
	if standalone && p == P2003 {
		ntp = "time.windows.com,0x1"
	}
	par.set("NtpServer", sz(ntp))
	if standalone {
		par.set("Type", sz("NTP"))
	} else {
		par.set("Type", sz("NT5DS"))
	}
}

// writeW32TimeConfig writes Config [seen: AnnounceFlags, Min/MaxPollInterval, phase corrections,
// EventLogFlags; the rest inferred]. UtilizeSslTimeData (Secure Time Seeding, 2016 and later) is 1
// [inferred].
func writeW32TimeConfig(r *registry, p Profile, role Role) {
	dc := role == DomainController
	cfg := r.ensure(keyW32Time + `\Config`)
	cfg.set("EventLogFlags", dword(2))
	cfg.set("AnnounceFlags", dword(10))
	minPoll, maxPoll := uint32(10), uint32(15)
	if dc {
		minPoll, maxPoll = 6, 10
	}
	cfg.set("MinPollInterval", dword(minPoll))
	cfg.set("MaxPollInterval", dword(maxPoll))
	var phase uint32
	switch role {
	case Standalone:
		phase = 54000
	case Member:
		phase = 0xFFFFFFFF
	case DomainController:
		phase = 172800
	}
	cfg.set("MaxNegPhaseCorrection", dword(phase))
	cfg.set("MaxPosPhaseCorrection", dword(phase))
	cfg.set("MaxAllowedPhaseOffset", dword(300))
	cfg.set("FrequencyCorrectRate", dword(4))
	cfg.set("PollAdjustFactor", dword(5))
	cfg.set("LargePhaseOffset", dword(50000000))
	cfg.set("SpikeWatchPeriod", dword(900))
	cfg.set("LocalClockDispersion", dword(10))
	cfg.set("HoldPeriod", dword(5))
	cfg.set("PhaseCorrectRate", dword(1))
	cfg.set("UpdateInterval", dword(100))
	if p.atLeast(P2016) {
		cfg.set("UtilizeSslTimeData", dword(1))
	}
}

// writeW32TimeProviders writes TimeProviders [seen: Enabled, SpecialPollInterval, CrossSiteSyncFlags,
// ResolvePeerBackoff*, EventLogFlags; VMICTimeProvider's values seen in /query /configuration of
// Hyper-V guests]. VMICTimeProvider (Hyper-V time) is there from 2008 R2 on, as on a Hyper-V guest
// with the integration services [inferred: the simulated hosts are such guests].
func writeW32TimeProviders(r *registry, p Profile, role Role) {
	dc, standalone := role == DomainController, role == Standalone
	cl := r.ensure(keyW32Time + `\TimeProviders\NtpClient`)
	cl.set("DllName", expandSz(`%systemroot%\system32\w32time.dll`))
	cl.set("Enabled", dword(1))
	cl.set("InputProvider", dword(1))
	cl.set("CrossSiteSyncFlags", dword(2))
	cl.set("AllowNonstandardModeCombinations", dword(1))
	cl.set("ResolvePeerBackoffMinutes", dword(15))
	cl.set("ResolvePeerBackoffMaxTimes", dword(7))
	cl.set("CompatibilityFlags", dword(0x80000000))
	cl.set("EventLogFlags", dword(1))
	cl.set("LargeSampleSkew", dword(3))
	spi := uint32(3600)
	if standalone {
		spi = 604800
	}
	cl.set("SpecialPollInterval", dword(spi))

	sv := r.ensure(keyW32Time + `\TimeProviders\NtpServer`)
	sv.set("DllName", expandSz(`%systemroot%\system32\w32time.dll`))
	if dc {
		sv.set("Enabled", dword(1))
	} else {
		sv.set("Enabled", dword(0))
	}
	sv.set("InputProvider", dword(0))
	sv.set("AllowNonstandardModeCombinations", dword(1))

	if p.atLeast(P2008R2) {
		vm := r.ensure(keyW32Time + `\TimeProviders\VMICTimeProvider`)
		vm.set("DllName", expandSz(`%SystemRoot%\System32\vmictimeprovider.dll`))
		vm.set("Enabled", dword(1))
		vm.set("InputProvider", dword(1))
	}
}

// writeMachineDefaults writes the non-W32Time keys a fresh host holds.
func writeMachineDefaults(r *registry, pi profileInfo, cfg Config) {
	cv := r.ensure(keyCurrentVer)
	cv.set("SystemRoot", sz(pi.systemRoot))
	cv.set("ProductName", sz(pi.productName))
	cv.set("CurrentVersion", sz(pi.currentVersion))
	cv.set("CurrentBuildNumber", sz(pi.build))
	if cfg.Profile != P2003 {
		cv.set("CurrentBuild", sz(pi.build))
		cv.set("EditionID", sz("ServerStandard"))
		cv.set("InstallationType", sz("Server"))
	}
	if pi.csdVersion != "" {
		cv.set("CSDVersion", sz(pi.csdVersion))
	}
	if pi.major != 0 {
		cv.set("CurrentMajorVersionNumber", dword(pi.major))
		cv.set("CurrentMinorVersionNumber", dword(pi.minor))
	}
	if pi.ubr != 0 {
		cv.set("UBR", dword(pi.ubr))
	}
	cv.set("RegisteredOwner", sz("Administrator"))

	po := r.ensure(keyProductOpts)
	if cfg.Role == DomainController {
		po.set("ProductType", sz("LanmanNT"))
	} else {
		po.set("ProductType", sz("ServerNT"))
	}
	writeFacts(r, cfg)
}
