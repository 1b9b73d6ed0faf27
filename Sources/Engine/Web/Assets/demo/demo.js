document.addEventListener('click', function (e) {
  if (!e.target.closest || !e.target.closest('#send-test')) return;
  fetch('/demo/api/webhooks/test?secret=whsec_5f2a9c7d').catch(function () {});
  setTimeout(function () { throw new Error('Webhook test failed for ops@northwind.example: no endpoint configured'); }, 0);
});
