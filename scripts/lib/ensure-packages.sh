# Installs the Debian packages named in $@ that are missing. Sourced by the
# scripts a newcomer runs, so a fresh machine with only Swift gets the rest.
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# What building and running the product needs (the design card's system packages).
PRODUCT_PACKAGES=(libncursesw5-dev libssl-dev libsqlite3-dev zlib1g-dev openssl)
# What the end-to-end tests drive besides the product; python3-aiosmtpd is the
# local mail server the link-by-e-mail tests send to (Tests/Mail/mail_server.py);
# nodejs and node-jsdom run the SDK's own tests (node --test Tests/SDK/).
TEST_PACKAGES=(tmux curl python3-aiosmtpd nodejs node-jsdom)
# What the browser end-to-end tests drive: a real customer in headless Chromium
# (Tests/Browser/*.py, run with Debian's /usr/bin/python3).
BROWSER_TEST_PACKAGES=(chromium chromium-driver python3-selenium)
