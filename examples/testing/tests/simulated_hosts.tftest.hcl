# Applies the module to simulated Windows member servers, reads them back,
# and checks that a bad input is refused at plan time.
#
# The hosts are started before `terraform test` runs (by scripts/tftest.sh,
# or by a step of your CI pipeline), which passes them in the environment:
#   TF_VAR_hosts      their endpoints, a list: ["127.0.0.2:40143", "127.0.0.3:40143"]
#   WINDOWS_USERNAME  the account the provider logs on with
#   WINDOWS_PASSWORD  and its password
#
# The assertions iterate over the resources rather than var.hosts: OpenTofu
# gives a test file's var.hosts as the raw text of TF_VAR_hosts, not the list
# the module declares.

variables {
  peers          = ["ntp1.example.net", "ntp2.example.net"]
  fallback_peers = ["time.windows.com"]
}

# Credentials from the environment (WINDOWS_USERNAME, WINDOWS_PASSWORD): a
# provider block in a test file cannot take them from variables the module
# does not declare (Terraform 1.11 leaves such a variable unknown, OpenTofu
# 1.10 rejects it).
provider "windows" {}

run "configures_every_host" {
  command = apply

  assert {
    condition     = length(windows_ntp_config.this) > 0 && keys(output.os_versions) == keys(windows_ntp_config.this)
    error_message = "Expected one os_versions entry per host, got ${jsonencode(output.os_versions)}."
  }

  assert {
    condition = alltrue([
      for c in windows_ntp_config.this : c.type == "NTP" && c.service_startup == "automatic"
    ])
    error_message = "Every host should take its time from NTP, with W32Time starting at boot."
  }

  assert {
    condition     = alltrue([for c in windows_ntp_config.this : length(c.policy_overrides) == 0])
    error_message = "No Group Policy should override the module's settings."
  }

  assert {
    condition = alltrue([
      for c in windows_ntp_config.this :
      [for s in c.ntp_servers : "${s.address} ${join(",", sort(s.flags))}"] == [
        "ntp1.example.net Client,SpecialInterval",
        "ntp2.example.net Client,SpecialInterval",
        "time.windows.com Client,UseAsFallbackOnly",
      ]
    ])
    error_message = "Every host should have the two peers (0x9), then the fallback (0xa)."
  }

  # resync_on_apply: the hosts synchronised from the first peer at once.
  assert {
    condition = alltrue([
      for s in data.windows_ntp_status.this : s.state == "running" && s.synchronized == true
    ])
    error_message = "Every host should be synchronised after the apply."
  }

  assert {
    condition     = alltrue([for h, src in output.sources : src == "ntp1.example.net,0x9"])
    error_message = "Every host should take its time from ntp1.example.net, got ${jsonencode(output.sources)}."
  }
}

# Idempotence: the hosts, read again without planning any change, hold what
# the module wrote, which is what the next plan compares the configuration
# with. A refresh-only plan shows the refreshed state; a normal plan run
# would show the configured values whatever the hosts hold. (OpenTofu 1.10
# gives a refresh-only run no output.* and no run.* to assert on, so this
# asserts on the resources.)
run "reads_back_unchanged" {
  command = plan

  plan_options {
    mode = refresh-only
  }

  assert {
    condition = alltrue([
      for c in windows_ntp_config.this :
      c.type == "NTP" && c.service_startup == "automatic" &&
      [for s in c.ntp_servers : "${s.address} ${join(",", sort(s.flags))}"] == [
        "ntp1.example.net Client,SpecialInterval",
        "ntp2.example.net Client,SpecialInterval",
        "time.windows.com Client,UseAsFallbackOnly",
      ]
    ])
    error_message = "A host no longer holds what the module wrote."
  }
}

# Refused at plan time, before anything is written: flags belong to the
# module, not to the caller.
run "refuses_flags_in_peers" {
  command = plan

  variables {
    peers = ["time.windows.com,0x9"]
  }

  expect_failures = [var.peers]
}
