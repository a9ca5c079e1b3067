# Not embedded in the documentation: makes this directory a configuration
# that `terraform validate` accepts on its own.
terraform {
  required_providers {
    windows = {
      source = "registry.terraform.io/w32time/windows"
    }
  }
}
