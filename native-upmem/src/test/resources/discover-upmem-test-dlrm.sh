#!/usr/bin/env bash
# Test wrapper: 4 emulated ranks on this host, 2 claimed per invocation (one per local-cluster worker).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(cd "$here/../../.." && pwd)"
[ -x "$module/bin/discover-upmem.sh" ] || module="$(cd "$here/../.." && pwd)"
export SPARKFUSION_UPMEM_EMULATED_RANKS=4
export SPARKFUSION_UPMEM_RANKS_PER_EXECUTOR=2
export SPARKFUSION_UPMEM_CLAIM_DIR="$module/target/test-tmp/upmem-claims-dlrm"
exec "$module/bin/discover-upmem.sh"
