// Reading flyctl's deploy text (reference/fly_api.md §3.4).
#include <atlas/fly/deploy_events.hpp>

#include <doctest/doctest.h>

using namespace atlas;

TEST_CASE("deploy lines parse into phases, the image, machine progress and the verdict") {
  auto a = parse_deploy_line("\x1b[1m==> Building image\x1b[0m");
  CHECK(a.kind == deploy_event_kind::phase_started);
  CHECK(a.value == "Building image");
  CHECK(a.text == "==> Building image");
  CHECK(parse_deploy_line("--> Building image done").kind == deploy_event_kind::phase_finished);
  auto img = parse_deploy_line("image: registry.fly.io/my-app:deployment-01HZX");
  CHECK(img.kind == deploy_event_kind::image);
  CHECK(img.value == "registry.fly.io/my-app:deployment-01HZX");
  auto m = parse_deploy_line("  [2/3] Machine 0e286039f42e86 [app] update finished: success");
  CHECK(m.kind == deploy_event_kind::machine);
  CHECK(m.index == 2);
  CHECK(m.total == 3);
  CHECK(m.value == "0e286039f42e86");
  CHECK(m.success);
  auto f = parse_deploy_line("  [3/3] Machine 0e286039f42e87 [app] update failed");
  CHECK(f.kind == deploy_event_kind::machine);
  CHECK_FALSE(f.success);
  CHECK(parse_deploy_line("  Finished deploying").kind == deploy_event_kind::succeeded);
  CHECK(parse_deploy_line("Error: failed to update machine x").kind == deploy_event_kind::failed);
  CHECK(parse_deploy_line("Waiting for depot builder...").kind == deploy_event_kind::text);
  CHECK(parse_deploy_line("[build] not a machine").kind == deploy_event_kind::text);
}

TEST_CASE("a verdict that contradicts the exit status is reported") {
  deploy_summary ok;
  for (auto* l : {"==> Building image", "--> Building image done", "[1/1] Machine a [app] update finished: success",
                  "Finished deploying"})
    ok.add(parse_deploy_line(l));
  CHECK(ok.verdict == true);
  CHECK(ok.machines_done == 1);
  CHECK(ok.machines_total == 1);
  CHECK(ok.phases_started == std::vector<std::string>{"Building image"});
  CHECK(ok.contradiction(0).empty());
  CHECK(ok.contradiction(1).find("status 1 but printed that the deploy finished") != std::string::npos);

  deploy_summary bad;
  bad.add(parse_deploy_line("[1/2] Machine a [app] update failed"));
  bad.add(parse_deploy_line("Error: smoke checks failed"));
  CHECK(bad.verdict == false);
  CHECK(bad.contradiction(1).empty());
  CHECK(bad.contradiction(0).find("Error: smoke checks failed") != std::string::npos);

  deploy_summary silent;
  CHECK(silent.contradiction(0).empty());
  CHECK(silent.contradiction(3).empty());
}
