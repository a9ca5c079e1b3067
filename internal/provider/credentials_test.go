package provider

import "github.com/hashicorp/terraform-plugin-framework/types"

// noCredentials is a resource that sets no credentials of its own.
var noCredentials = credentials{Username: types.StringNull(), Password: types.StringNull()}
