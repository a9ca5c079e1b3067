package winhost

import "time"

// This file is the time service's synchronisation as /query /status, /source and /peers report it:
// a started service is not synchronised [seen: windows-time.md section 8], and becomes so SyncDelay
// later when it has time data, or at once on a successful "w32tm /resync".

// DefaultSyncDelay is how long a started service with time data takes to synchronise when
// Config.SyncDelay is zero [inferred: a real one takes a few seconds to reach its first source].
const DefaultSyncDelay = 5 * time.Second

// now is the host's clock.
func (h *Machine) now() time.Time {
	if h.cfg.Clock != nil {
		return h.cfg.Clock()
	}
	return time.Now()
}

// syncDelay is Config.SyncDelay with its default; 0 means at once.
func (h *Machine) syncDelay() time.Duration {
	switch d := h.cfg.SyncDelay; {
	case d < 0:
		return 0
	case d == 0:
		return DefaultSyncDelay
	default:
		return d
	}
}

// runningForAWhile sets the service as on a host that has been up for some time: synchronised when
// it has time data. Callers hold h.mu.
func (h *Machine) runningForAWhile() {
	now := h.now()
	h.started = now.Add(-time.Hour)
	h.syncDue = time.Time{}
	h.synced = h.timeDataAvailable()
	if h.synced {
		h.lastSync = now
	}
}

// serviceStarted models a starting time service: not synchronised yet, it synchronises after the
// sync delay when it has time data. Callers hold h.mu.
func (h *Machine) serviceStarted() {
	h.started = h.now()
	h.synced = false
	h.syncDue = time.Time{}
	h.retrySync()
}

// serviceStopped models a stopping service: it forgets its synchronisation. Callers hold h.mu.
func (h *Machine) serviceStopped() {
	h.svc = svcStopped
	h.synced = false
	h.syncDue = time.Time{}
}

// retrySync schedules the synchronisation of a running, unsynchronised service that has time
// data, unless one is pending. Callers hold h.mu.
func (h *Machine) retrySync() {
	if h.svc != svcRunning || h.synced || !h.syncDue.IsZero() || !h.timeDataAvailable() {
		return
	}
	h.syncDue = h.now().Add(h.syncDelay())
	h.refreshSync()
}

// refreshSync completes a pending synchronisation whose time has come, if the service still has
// time data then; otherwise it stays pending. Callers hold h.mu.
func (h *Machine) refreshSync() {
	if h.svc != svcRunning || h.synced || h.syncDue.IsZero() || h.now().Before(h.syncDue) || !h.timeDataAvailable() {
		return
	}
	h.synced, h.lastSync, h.syncDue = true, h.syncDue, time.Time{}
}

// configUpdated models the service rereading its configuration ("w32tm /config /update"): without
// time data it loses its synchronisation; with, an unsynchronised one schedules one. Callers hold
// h.mu.
func (h *Machine) configUpdated() {
	if !h.timeDataAvailable() {
		h.synced = false
		h.syncDue = time.Time{}
		return
	}
	h.retrySync()
}

// resynced records a successful "w32tm /resync". Callers hold h.mu.
func (h *Machine) resynced() {
	h.synced, h.lastSync, h.syncDue = true, h.now(), time.Time{}
}
