# Read whether a host's clock is synchronised, and from where.
data "windows_ntp_status" "dc02" {
  host = "dc02.example.com"
}

output "dc02_sync" {
  value = {
    synchronized = data.windows_ntp_status.dc02.synchronized   # true
    source       = data.windows_ntp_status.dc02.source         # "dc01.example.com"
    last_sync    = data.windows_ntp_status.dc02.last_sync_time # "2024-09-05T15:45:06Z"
    offset       = data.windows_ntp_status.dc02.phase_offset   # seconds, where the version reports it
    peers        = [for p in coalesce(data.windows_ntp_status.dc02.peers, []) : "${p.address} (${p.state})"]
  }
}
