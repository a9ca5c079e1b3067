# A standalone server that takes its time from public NTP servers, with
# time.windows.com as a fallback only.
resource "windows_ntp_config" "web01" {
  host = "web01.example.com"
  type = "NTP"
  ntp_servers = [
    { address = "0.pool.ntp.org" }, # flags default to SpecialInterval, Client (0x9)
    { address = "1.pool.ntp.org" },
    { address = "time.windows.com", flags = ["UseAsFallbackOnly", "Client"] },
  ]
}

# The PDC emulator of the forest root domain: the one domain controller that
# takes its time from outside, and announces itself as a reliable source.
resource "windows_ntp_config" "dc01" {
  host = "dc01.example.com"
  type = "NTP"
  ntp_servers = [
    { address = "ntp.nict.jp" },
    { address = "time.windows.com", flags = ["UseAsFallbackOnly", "Client"] },
  ]
  reliable = true
}

# A domain member that follows the domain hierarchy. Destroying the resource
# restores the Windows defaults for its role.
resource "windows_ntp_config" "app01" {
  host       = "app01.example.com"
  type       = "NT5DS"
  on_destroy = "reset"
}

# The same configuration works on Windows Server 2003, where the provider
# writes AllSync as `w32tm /config /syncfromflags:DOMHIER,MANUAL`.
resource "windows_ntp_config" "legacy01" {
  host        = "192.0.2.10"
  type        = "AllSync"
  ntp_servers = [{ address = "192.0.2.1" }]
}

# A virtual domain controller tuned for tighter time: it ignores the time of
# its Hyper-V host (as Microsoft advises for virtual DCs), polls every 64 to
# 1024 seconds, refuses steps over an hour, serves time to the domain, starts
# the service at boot and resynchronises after every change.
resource "windows_ntp_config" "dc02" {
  host                       = "dc02.example.com"
  type                       = "NT5DS"
  vmic_time_provider_enabled = false
  min_poll_interval          = 6
  max_poll_interval          = 10
  max_pos_phase_correction   = "3600"
  max_neg_phase_correction   = "3600"
  ntp_server_enabled         = true
  cross_site_sync_flags      = "PdcOnly"
  special_poll_interval      = 3600
  event_log_flags            = 3
  service_startup            = "automatic"
  resync_on_apply            = true
}
