# Read facts about a host, for instance to choose settings by its role.
data "windows_host" "dc01" {
  host = "dc01.example.com"
}

output "dc01" {
  value = {
    os          = data.windows_host.dc01.product_name # "Windows Server 2022 Datacenter"
    build       = data.windows_host.dc01.build        # 20348
    role        = data.windows_host.dc01.domain_role  # "primary_dc"
    domain      = data.windows_host.dc01.domain       # "example.com"
    locale      = data.windows_host.dc01.locale       # "ja-JP"
    time_zone   = data.windows_host.dc01.time_zone    # "Tokyo Standard Time"
    w32time     = data.windows_host.dc01.w32time_state
    w32time_run = data.windows_host.dc01.w32time_startup # "automatic"
  }
}
