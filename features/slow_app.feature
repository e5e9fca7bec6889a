@fault
Feature: A slow or hung app costs a reader a bounded wait, and a crowd one render however slow
  In order that readers are answered quickly on the days the app is slow or stuck
  As the publisher
  I want every reader answered within the app's time limit, and a crowd served by a single render

  (The suite runs the stack with PAGECACHE_APP_TIMEOUT=4: the app's time limit is 4 seconds.)

  Background:
    Given a published post "Hello world" at "/blog/hello-world/"

  Rule: No reader waits longer than the app's time limit, whatever the app does

    Scenario: With the app hung, every reader is answered within the time limit
      Given readers have seen "/blog/hello-world/" served from memcached
      And the app is frozen
      When readers visit each of these pages at the same moment
        | page               |
        | /                  |
        | /blog/hello-world/ |
        | /login/            |
      Then every page answers within 4 seconds, from memcached or with the site's service-unavailable page

  Rule: A crowd costs one render, however slow, and waits without holding the app's workers

    Scenario: A crowd during a slow render costs one render
      When 30 readers ask for "/specimens/slow/2500/" at the same moment
      Then all 30 readers get the page
      And Django rendered it at most 1 times

    Scenario: A crowd whose render dies costs one more render, not one per reader
      Given a reader's render of "/blog/hello-world/" has read "Hello world" and is paused
      When 30 readers ask for "/blog/hello-world/" while the paused render's worker is killed
      Then all 30 readers get the page
      And Django rendered it at most 1 times

    Scenario: While a crowd waits for a slow page, another page is still rendered promptly
      When 100 readers ask for "/specimens/slow/2000/" while another reader visits "/blog/hello-world/"
      Then the other reader gets the page rendered by Django within a second
