# Turn an NtpServer value, as a script or the registry holds it, into the
# ntp_servers list of windows_ntp_config.
resource "windows_ntp_config" "member" {
  host        = "app01.example.com"
  type        = "NTP"
  ntp_servers = provider::windows::parse_ntp_server("ntp1.example.com,0x9 ntp2.example.com,0xa")
  # [{ address = "ntp1.example.com", flags = ["SpecialInterval", "Client"] },
  #  { address = "ntp2.example.com", flags = ["UseAsFallbackOnly", "Client"] }]
}
