#!/bin/sh
# GPU check: a real CUDA process (PyTorch holding a known pattern in GPU memory) started, frozen and
# thawed through Stasis' own process runtime (cgroup freezer + NVIDIA's cuda-checkpoint, the code the
# server runs in idle mode), nvidia-smi read before, while frozen and after, the memory's contents
# checked after each thaw, freeze and thaw times printed against the bytes. Ends with one JSON line.
#
#   bench/gpu/check.sh prepare   here (with .NET): publishes the check, trimmed and self-contained, into
#                                bench/gpu/out/app and puts cuda-checkpoint in bench/gpu/out/bin
#   bench/gpu/check.sh [MB...]   on the GPU machine (driver, nvidia-smi, python3 with torch; no .NET),
#                                as root, with bench/gpu/out carried there; default sizes 1024 8192 MiB
#
# It never runs in CI. Bounded: each size gets 200 s, the whole check under 8 minutes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/out"

if [ "${1:-}" = prepare ]; then
  dotnet publish "$here/FreezeCheck" -c Release -o "$out/app" -nologo -v quiet
  mkdir -p "$out/bin"
  # NVIDIA's public repository ships the binary; CUDA_CHECKPOINT names a copy (or a clone of the repository) instead.
  src=${CUDA_CHECKPOINT:-}
  if [ -n "$src" ] && [ -f "$src" ]; then
    cp "$src" "$out/bin/cuda-checkpoint"
  elif [ -n "$src" ] && [ -f "$src/bin/x86_64_Linux/cuda-checkpoint" ]; then
    cp "$src/bin/x86_64_Linux/cuda-checkpoint" "$out/bin/cuda-checkpoint"
  elif [ -n "$src" ] && git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" show HEAD:bin/x86_64_Linux/cuda-checkpoint > "$out/bin/cuda-checkpoint"
  else
    curl -fsSL -o "$out/bin/cuda-checkpoint" https://raw.githubusercontent.com/NVIDIA/cuda-checkpoint/main/bin/x86_64_Linux/cuda-checkpoint \
      || { echo "check.sh: could not fetch cuda-checkpoint; set CUDA_CHECKPOINT to a clone of github.com/NVIDIA/cuda-checkpoint" >&2; exit 1; }
  fi
  chmod +x "$out/bin/cuda-checkpoint"
  cp "$here/holder.py" "$out/holder.py"
  du -sh "$out"
  exit 0
fi

[ -x "$out/app/stasis-gpu-check" ] || { echo "check.sh: run 'bench/gpu/check.sh prepare' on a machine with .NET first, and carry bench/gpu/out" >&2; exit 1; }
command -v nvidia-smi >/dev/null || { echo "check.sh: no nvidia-smi: this is not a GPU host" >&2; exit 1; }
python=${PYTHON:-python3}
"$python" -c 'import torch; assert torch.cuda.is_available()' || { echo "check.sh: $python has no CUDA-enabled torch" >&2; exit 1; }
[ "$(id -u)" = 0 ] || echo "check.sh: not root: the cgroup freezer may be unavailable (SIGSTOP then)" >&2
export PATH="$out/bin:$PATH" PYTHON="$python"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$out/bin/cuda-checkpoint" --help >/dev/null 2>&1 || echo "check.sh: cuda-checkpoint does not run here (driver older than 550?)" >&2

[ $# -gt 0 ] || set -- 1024 8192
lines=""
for mb in "$@"; do
  echo "== $mb MiB"
  line=$(timeout 200 "$out/app/stasis-gpu-check" "$out/holder.py" "$mb" 3 | tee /dev/stderr | tail -1) || true
  lines="$lines${lines:+,}${line:-{\"bytes\":$((mb * 1048576)),\"error\":\"no result (timed out or crashed)\"}}"
done
echo "{\"gpu_check\":[$lines]}"
