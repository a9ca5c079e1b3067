# Read a host's time settings without managing them.
data "windows_ntp_config" "dc02" {
  host = "dc02.example.com"

  lifecycle {
    postcondition {
      condition     = self.service_state == "running"
      error_message = "The Windows Time service is not running on dc02."
    }
  }
}

output "dc02_time_source" {
  value = {
    os          = data.windows_ntp_config.dc02.os_name # "Windows Server 2019"
    type        = data.windows_ntp_config.dc02.type    # "NT5DS"
    peers       = data.windows_ntp_config.dc02.ntp_servers[*].address
    reliable    = data.windows_ntp_config.dc02.reliable                   # false
    from_policy = data.windows_ntp_config.dc02.group_policy               # true when a GPO sets Type or NtpServer
    startup     = data.windows_ntp_config.dc02.service_startup            # "automatic"
    poll        = data.windows_ntp_config.dc02.special_poll_interval      # 3600 (seconds)
    hyperv_time = data.windows_ntp_config.dc02.vmic_time_provider_enabled # null before Server 2008 R2
    policy      = data.windows_ntp_config.dc02.policy_overrides           # { max_poll_interval = "10" }, say
  }
}
