# Unit tests without any host: mock_provider answers for the provider, with
# made-up values for what it would read. The provider is still started, for
# its schema and its checks of the configuration, but connects to nothing.
# For the logic of the module: the flags it gives the peers and the
# precondition on domain controllers.

mock_provider "windows" {
  mock_data "windows_host" {
    defaults = {
      domain_role = "member_server"
    }
  }

  mock_data "windows_ntp_status" {
    defaults = {
      synchronized = true
    }
  }
}

variables {
  hosts          = ["app01.example.com", "app02.example.com"]
  peers          = ["ntp1.example.net"]
  fallback_peers = ["time.windows.com"]
}

# command = apply, although nothing is contacted: the check block reads the
# status after the settings are written, so in a plan its condition is
# unknown, which fails a plan run under both Terraform and OpenTofu.
run "flags_peers_and_fallback" {
  command = apply

  assert {
    condition = alltrue([
      for c in windows_ntp_config.this :
      c.ntp_servers[0].flags == toset(["SpecialInterval", "Client"]) &&
      c.ntp_servers[1].flags == toset(["UseAsFallbackOnly", "Client"])
    ])
    error_message = "The peer should have SpecialInterval and Client, the fallback UseAsFallbackOnly and Client."
  }

  assert {
    condition     = output.domain_roles == { "app01.example.com" = "member_server", "app02.example.com" = "member_server" }
    error_message = "Expected both hosts as member servers, got ${jsonencode(output.domain_roles)}."
  }
}

run "refuses_a_domain_controller" {
  command = plan

  override_data {
    target = data.windows_host.this
    values = {
      domain_role = "primary_dc"
    }
  }

  expect_failures = [windows_ntp_config.this]
}
