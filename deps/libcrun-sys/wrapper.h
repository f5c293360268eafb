/* Public libcrun API bound by bindgen (see build.rs for the allowlist). */
#include <config.h>
#include <stdio.h>
#include "container.h"
#include "status.h"
#include "error.h"
#include <yajl/yajl_tree.h>
#include <ocispec/runtime_spec_schema_config_schema.h>
