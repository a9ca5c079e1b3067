# Show the NtpServer value a host holds, as w32tm /manualpeerlist takes it.
data "windows_ntp_config" "dc01" {
  host = "dc01.example.com"
}

output "dc01_manualpeerlist" {
  value = provider::windows::format_ntp_server(data.windows_ntp_config.dc01.ntp_servers)
  # "time.windows.com,0x9 ntp.nict.jp,0x8"
}
